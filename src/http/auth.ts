import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { hasRole, secretMatches, TOKEN_PRINCIPAL, type Principal, type Role } from '../auth/principal.js';
import type { ControllerContext } from '../contract/feature.js';
import { ApiError } from './errors.js';
import { readCookie, SESSION_COOKIE } from './session/cookie.js';

export type { Principal, Role };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

declare module '../contract/capabilities.js' {
  interface Capabilities {
    /** Who holds a panel session id (the panel's session store). */
    sessions: import('../auth/principal.js').SessionLookup;
  }
}

/** Who is calling: the bearer token (technician) or a panel session; null if nobody. */
export function principalOf(ctx: ControllerContext, req: FastifyRequest): Principal | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && secretMatches(auth.slice(7).trim(), ctx.config.api.token)) return TOKEN_PRINCIPAL;
  const id = readCookie(req.headers.cookie, SESSION_COOKIE);
  return id ? (ctx.find('sessions')?.(id) ?? null) : null;
}

/**
 * A cookie-borne request must be one a page of ours made: SameSite=Strict keeps
 * the cookie off other sites' requests, a JSON content type cannot be sent by a
 * plain form, and a browser's Origin, when it sends one, must be this host.
 */
export function checkSameOrigin(req: FastifyRequest): void {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError(415, 'JSON_REQUIRED', 'a panel request that changes something must send content-type: application/json');
  const origin = req.headers.origin;
  if (origin !== undefined && originHost(origin) !== req.headers.host) throw new ApiError(403, 'CROSS_ORIGIN', `requests from ${origin} may not act on this controller`);
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * onRequest hook for mutating routes: 401 without credentials, 403 for a role too low or a
 * cross-site request. It runs before the body is read or validated, so a caller without the
 * role learns nothing of the route's schema and an upload is refused before it is sent.
 */
export function requireRole(ctx: ControllerContext, role: Role): onRequestAsyncHookHandler {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const p = principalOf(ctx, req);
    if (!p) throw new ApiError(401, 'UNAUTHORIZED', 'log in on the panel or send the API bearer token');
    if (p.via === 'session') checkSameOrigin(req);
    if (!hasRole(p, role)) throw new ApiError(403, 'FORBIDDEN', `this action needs the ${role} role`);
    req.principal = p;
  };
}
