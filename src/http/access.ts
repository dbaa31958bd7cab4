import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import type { ControllerContext } from '../contract/feature.js';
import { principalOf } from './auth.js';
import { sendError } from './errors.js';

/** Paths a seat uses: served on the plain-HTTP listener even when people are on HTTPS. */
export const SEAT_PATH_PREFIXES = ['/seat/', '/content/'] as const;

/** Reads any client may make without a session: what the panel needs before its login, and liveness for monitors. */
export const PUBLIC_READS = new Set(['/api/v1/session', '/api/v1/health', '/api/v1/panel', '/api/v1/layout']);

export const isSeatPath = (path: string) => SEAT_PATH_PREFIXES.some((p) => path.startsWith(p));
const pathOf = (req: FastifyRequest) => req.url.split('?')[0] ?? '/';
const encrypted = (req: FastifyRequest) => (req.raw.socket as TLSSocket).encrypted === true;

export interface AccessPolicy {
  /** HTTPS is on: people's routes over plain HTTP are refused (API) or redirected (pages). */
  tls: boolean;
  /** The port people are sent to (the listening one, so port 0 works); the host comes from the request. */
  httpsPort: () => number;
  readAccess: 'session' | 'open';
  closing: () => boolean;
}

/**
 * The checks every request meets before routing, in order: a controller that
 * is stopping answers 503 (our shape, not fastify's); with TLS on, the plain
 * listener serves seats only; with readAccess 'session', reading cabin state
 * needs a panel session or the token.
 */
export function installAccessPolicy(app: FastifyInstance, ctx: ControllerContext, policy: AccessPolicy, onError: (code: string) => void): void {
  app.addHook('onRequest', async (req, reply) => {
    if (policy.closing()) {
      onError('SHUTTING_DOWN');
      reply.header('connection', 'close').header('retry-after', '5');
      return sendError(reply, 503, 'SHUTTING_DOWN', 'the controller is stopping; retry shortly');
    }
    const path = pathOf(req);
    if (policy.tls && !encrypted(req) && !isSeatPath(path)) {
      const httpsPort = policy.httpsPort();
      const host = hostOnly(req.headers.host);
      // A page a person typed gets sent on; an API call has already sent its token in the clear, so it is refused, not redirected.
      if ((req.method === 'GET' || req.method === 'HEAD') && !path.startsWith('/api/') && path !== '/metrics' && host) {
        onError('HTTPS_REDIRECT');
        return reply.code(308).header('location', `https://${host}:${httpsPort}${req.url}`).type('application/json').send({ error: { code: 'HTTPS_REQUIRED', message: `the panel is served over HTTPS on port ${httpsPort}` } });
      }
      onError('HTTPS_REQUIRED');
      return sendError(reply, 403, 'HTTPS_REQUIRED', `people's routes are served over HTTPS on port ${httpsPort}; this port serves seats only`);
    }
    if (policy.readAccess === 'session' && (req.method === 'GET' || req.method === 'HEAD') && path.startsWith('/api/v1/') && !PUBLIC_READS.has(path)) {
      const p = principalOf(ctx, req);
      if (!p) {
        onError('UNAUTHORIZED');
        return sendError(reply, 401, 'UNAUTHORIZED', 'reading cabin state needs a panel session (log in) or the API bearer token');
      }
      req.principal = p;
    }
  });
}

/** "cabin.local" from "cabin.local:8080", "[fe80::1]" from "[fe80::1]:8080"; undefined for anything that is not a plain host. */
function hostOnly(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/.exec(header);
  return m?.[1];
}
