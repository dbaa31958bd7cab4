import type { FastifyInstance } from 'fastify';
import { merge, map } from 'rxjs';
import type { ControllerContext } from '../../app/context.js';
import { summarize } from './seats-api.js';

const HEARTBEAT_MS = 15_000;

/**
 * GET /api/v1/events: live Server-Sent Events. `event: cabin` carries each
 * CabinEvent; `event: seat` carries a seat summary whenever what a person
 * would see of it changes. Clients reconnect by themselves (EventSource).
 */
export async function eventsSseRoutes(app: FastifyInstance, ctx: ControllerContext): Promise<void> {
  app.get('/api/v1/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 1000\n: purser live events\n\n`);
    const sub = merge(
      ctx.registry.events$.pipe(map((ev) => `event: cabin\ndata: ${JSON.stringify(ev)}\n\n`)),
      ctx.registry.changes$.pipe(map((s) => `event: seat\ndata: ${JSON.stringify(summarize(s))}\n\n`)),
      ctx.live.pipe(map((f) => `event: ${f.event}\ndata: ${JSON.stringify(f.data)}\n\n`)),
    ).subscribe({
      next: (chunk) => res.write(chunk),
      complete: () => res.end(),
    });
    const heartbeat = setInterval(() => res.write(`: keep-alive\n\n`), HEARTBEAT_MS);
    const close = () => {
      clearInterval(heartbeat);
      sub.unsubscribe();
      ctx.stopping.removeEventListener('abort', end);
    };
    const end = () => res.end();
    ctx.stopping.addEventListener('abort', end, { once: true });
    req.raw.on('close', close);
    res.on('close', close);
  });
}
