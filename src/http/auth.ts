import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { ControllerContext } from '../app/context.js';
import { ApiError } from './errors.js';

/** Technicians can do everything crew can, and more (reboot, firmware). */
export type Role = 'crew' | 'technician';

export interface Principal {
  role: Role;
  /** Who, for the command log: "token", "panel:crew", ... */
  name: string;
  /** A session rides on a cookie the browser sends by itself, so it gets the CSRF checks; the token does not. */
  via: 'token' | 'session';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Resolves who is calling from a panel session; the panel's session store registers one. */
export type SessionResolver = (req: FastifyRequest) => Principal | null;

const sessionResolvers = new WeakMap<ControllerContext, SessionResolver>();

export function setSessionResolver(ctx: ControllerContext, r: SessionResolver): void {
  sessionResolvers.set(ctx, r);
}

function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token || !header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7).trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Who is calling: the bearer token (technician) or a panel session; null if nobody. */
export function principalOf(ctx: ControllerContext, req: FastifyRequest): Principal | null {
  if (bearerMatches(req.headers.authorization, ctx.config.api.token)) return { role: 'technician', name: 'token', via: 'token' };
  return sessionResolvers.get(ctx)?.(req) ?? null;
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

/** preHandler for mutating routes: 401 without credentials, 403 for a role too low or a cross-site request. */
export function requireRole(ctx: ControllerContext, role: Role): preHandlerAsyncHookHandler {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const p = principalOf(ctx, req);
    if (!p) throw new ApiError(401, 'UNAUTHORIZED', 'log in on the panel or send the API bearer token');
    if (p.via === 'session') checkSameOrigin(req);
    if (role === 'technician' && p.role !== 'technician') throw new ApiError(403, 'FORBIDDEN', 'this action needs the technician role');
    req.principal = p;
  };
}
