import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../../contract/feature.js';

/** GET /api/v1/health: 200 when every service is ok, 503 otherwise (`starting` with `checking` while services still start); JSON either way, with the head-end clock. GET /metrics: Prometheus. */
export async function healthRoutes(app: FastifyInstance, ctx: ControllerContext): Promise<void> {
  app.get('/api/v1/health', async (_req, reply) => {
    const services = ctx.health();
    const states = Object.values(services).map((h) => h.state);
    // A service still making its first start (seats are already answered) reads `starting`, after any real trouble.
    const status = states.includes('down') ? 'down' : states.includes('degraded') ? 'degraded' : states.includes('starting') ? 'starting' : 'ok';
    const checking = Object.entries(services).flatMap(([name, h]) => (h.state === 'starting' ? [name] : []));
    reply.code(status === 'ok' ? 200 : 503);
    // While starting, a small listener answers this path with state "starting" (src/systemd/early-http.ts).
    const clock = ctx.entities.get('clock:head-end');
    return {
      state: 'running',
      status,
      // The head-end's wall clock as it answered: `since` ages are read against it, not the reader's clock.
      now: Date.now(),
      services,
      ...(checking.length > 0 ? { checking } : {}),
      seats: { total: ctx.layout.seats.length, online: ctx.registry.onlineCount() },
      ...(clock ? { clock: { state: clock.state, ...clock.attributes } } : {}),
    };
  });

  app.get('/metrics', async (_req, reply) => {
    ctx.metrics.seatsOnline.set(ctx.registry.onlineCount());
    ctx.metrics.seatsTotal.set(ctx.layout.seats.length);
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
