import type { RoutePlugin } from '../contract/feature.js';
import { sendError } from '../http/errors.js';

/** Seconds a client is told to wait while a feature's services start (the same as the starting listener's). */
export const STARTING_RETRY_AFTER_S = 2;

/**
 * A feature's routes while its services finish starting in the background:
 * 503 STARTING with Retry-After, naming what is not up yet, instead of a
 * handler meeting a server that is not there (no catalog, no TFTP base URL).
 * The hook is the plugin's own (fastify encapsulation), so no other route
 * is touched, and once every service is up it costs one array length check.
 */
export function gatedWhileStarting(routes: RoutePlugin, starting: () => readonly string[]): RoutePlugin {
  return async (app, ctx) => {
    app.addHook('onRequest', async (_req, reply) => {
      const waiting = starting();
      if (waiting.length === 0) return;
      reply.header('retry-after', String(STARTING_RETRY_AFTER_S));
      reply.header('cache-control', 'no-store');
      return sendError(reply, 503, 'STARTING', `still starting: ${waiting.join(', ')}; retry after ${STARTING_RETRY_AFTER_S} s`);
    });
    await routes(app, ctx);
  };
}
