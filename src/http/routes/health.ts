import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../../contract/feature.js';

/** GET /api/v1/health: 200 when every service is ok, 503 otherwise; JSON either way. GET /metrics: Prometheus. */
export async function healthRoutes(app: FastifyInstance, ctx: ControllerContext): Promise<void> {
  app.get('/api/v1/health', async (_req, reply) => {
    const services = ctx.health();
    const states = Object.values(services).map((h) => h.state);
    const status = states.includes('down') ? 'down' : states.includes('degraded') ? 'degraded' : 'ok';
    reply.code(status === 'ok' ? 200 : 503);
    return { status, services, seats: { total: ctx.layout.seats.length, online: ctx.registry.onlineCount() } };
  });

  app.get('/metrics', async (_req, reply) => {
    ctx.metrics.seatsOnline.set(ctx.registry.onlineCount());
    ctx.metrics.seatsTotal.set(ctx.layout.seats.length);
    reply.type(ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
