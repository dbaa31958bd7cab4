import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { merge, map } from 'rxjs';
import type { ControllerContext } from '../../contract/feature.js';
import { RateLimitedWarn } from '../../../core/rate-limited-warn.js';
import { summarize } from './seats-api.js';
import { sseFrame } from './live-frames.js';

const HEARTBEAT_MS = 15_000;
/**
 * What one client may leave unread before it is dropped. A panel that falls
 * this far behind (a tablet asleep, a client that never reads) reconnects and
 * loads a fresh snapshot, which is cheaper than the backlog and bounds memory
 * whatever clients do.
 */
export const MAX_UNREAD_BYTES = 1 << 20;
/** The reason a dropped client is counted under (purser_sse_dropped_total{reason}). */
export const TOO_SLOW = 'too slow: more than 1 MiB unread';

/**
 * GET /api/v1/events: live Server-Sent Events, one frame kind per source:
 * `event: seat` a seat summary whenever what a person would see of it
 * changes; `event: cabin` every stored event; `event: live` every live-only
 * event (command progress, alert changes); `event: entity` every entity
 * change. A new event type or entity kind needs no change here. Clients
 * reconnect by themselves (EventSource).
 */
export async function eventsSseRoutes(app: FastifyInstance, ctx: ControllerContext): Promise<void> {
  const { bus, registry, entities, metrics } = ctx;
  const warn = new RateLimitedWarn(ctx.log);
  // One listener for all clients: a listener per client would pile up on the controller's signal.
  const open = new Set<() => void>();
  const unread = new Set<{ readonly writableLength: number }>();
  // What the stream holds for its clients right now: never more than 1 MiB and a frame each.
  new Gauge({
    name: 'purser_sse_unread_bytes',
    help: 'Bytes written to live-stream clients and not yet taken by their sockets',
    registers: [metrics.registry],
    collect() {
      let n = 0;
      for (const r of unread) n += r.writableLength;
      this.set(n);
    },
  });
  ctx.stopping.addEventListener('abort', () => {
    for (const end of [...open]) end();
  }, { once: true });
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
    let ended = false;
    const end = (reason?: string) => {
      if (ended) return;
      ended = true;
      if (reason) {
        metrics.sseDropped.inc({ reason });
        warn.warn(reason, { client: req.ip, unread: res.writableLength }, `live-stream client dropped: ${reason}`);
        // Said for a client that catches up with its buffer; one that never reads would keep the backlog (and its memory) for ever, so the socket goes at once.
        res.write(`: dropped: ${reason}\n\n`);
        res.destroy();
      } else res.end();
      close();
    };
    const send = (chunk: string) => {
      if (ended) return;
      // write() returning false means the socket's buffer is full: past the bound, the client goes.
      res.write(chunk);
      if (res.writableLength > MAX_UNREAD_BYTES) end(TOO_SLOW);
    };
    const sub = merge(
      registry.changes$.pipe(map((s) => sseFrame('seat', summarize(s)))),
      bus.events$.pipe(map((ev) => sseFrame(bus.isStored(ev) ? 'cabin' : 'live', ev))),
      entities.changes$.pipe(map((c) => sseFrame('entity', c))),
    ).subscribe({ next: send, complete: () => end() });
    const heartbeat = setInterval(() => send(`: keep-alive\n\n`), HEARTBEAT_MS);
    metrics.sseClients.inc();
    const onStop = () => end();
    unread.add(res);
    function close() {
      unread.delete(res);
      clearInterval(heartbeat);
      sub?.unsubscribe();
      open.delete(onStop);
    }
    let counted = true;
    const gone = () => {
      if (counted) metrics.sseClients.dec();
      counted = false;
      ended = true;
      close();
    };
    open.add(onStop);
    req.raw.on('close', gone);
    res.on('close', gone);
    if (ctx.stopping.aborted) end();
  });
}
