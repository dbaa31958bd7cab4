import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ControllerContext } from '../../contract/feature.js';
import { RateLimitedLog } from '../../core/log.js';
import { panelPrincipalName, type PanelRole as Role } from '../../auth/principal.js';
import { checkSameOrigin } from '../auth.js';
import { ApiError } from '../errors.js';
import { clearedSessionCookie, readCookie, sessionCookie, SESSION_COOKIE } from './cookie.js';
import { Gate, matchPin, MAX_PARALLEL_CHECKS, type PinHolder } from '../../auth/pin-match.js';
import { initialThrottle, recordFailure, recordSuccess, waitMs, type ThrottleState } from '../../auth/pin-throttle.js';
import { SESSION_POLICY, type Session, type SessionStore } from '../../auth/session-store.js';

/** scrypt checks running at once, over all clients: more wait their turn with a 429. */
const MAX_CHECKS_IN_FLIGHT = 4;

const loginSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['pin'],
  properties: {
    pin: { type: 'string', minLength: 1, maxLength: 64 },
    role: { enum: ['crew', 'technician'] },
  },
} as const;

/** Who is logged in on this browser (the cookie's session); `name` is absent for a shared role PIN. */
export interface SessionView {
  role: Role;
  /** The person whose PIN opened it (panel.people). */
  name?: string;
  expiresInMs: number;
}

/** GET /api/v1/session: the session, and which roles have a PIN at all. */
export interface SessionInfo {
  session: SessionView | null;
  roles: Record<Role, boolean>;
}

function tooMany(reply: FastifyReply, ms: number, message: string): ApiError {
  reply.header('retry-after', String(Math.max(1, Math.ceil(ms / 1000))));
  return new ApiError(429, 'TOO_MANY_ATTEMPTS', message);
}

/** A session's principal name and actor, for the crew.action audit events. */
function who(s: Pick<Session, 'role' | 'person'>) {
  return { by: panelPrincipalName(s.role, s.person), ...(s.person !== undefined ? { actor: { name: s.person, role: s.role } } : {}) };
}

/**
 * POST /api/v1/session {pin, role?}: a right PIN gets an HttpOnly SameSite=Strict
 * cookie; the PIN says whose it is (a person of `panel.people`, else a shared
 * role PIN, technician checked first). DELETE logs out; GET says who is logged
 * in and which roles have a PIN.
 */
export function sessionRoutes(sessions: SessionStore, pins: readonly PinHolder[], now: () => number = () => performance.now()) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    const badPins = new RateLimitedLog(ctx.log);
    let throttle: ThrottleState = initialThrottle();
    const checking = new Set<string>();
    const gate = new Gate(MAX_PARALLEL_CHECKS);
    const hasPin = (r: Role) => pins.some((h) => h.role === r);

    const sessionOf = (req: FastifyRequest): Session | undefined => {
      const id = readCookie(req.headers.cookie, SESSION_COOKIE);
      return id ? sessions.get(id) : undefined;
    };
    const view = (s: Session | undefined): SessionView | null => (s ? { role: s.role, ...(s.person !== undefined ? { name: s.person } : {}), expiresInMs: Math.round(sessions.remainingMs(s)) } : null);

    app.get('/api/v1/session', async (req, reply): Promise<SessionInfo> => {
      reply.header('cache-control', 'no-store');
      return { session: view(sessionOf(req)), roles: { crew: hasPin('crew'), technician: hasPin('technician') } };
    });

    app.post<{ Body: { pin: string; role?: Role } }>('/api/v1/session', { schema: { body: loginSchema } }, async (req, reply) => {
      checkSameOrigin(req);
      const client = req.ip;
      const wait = waitMs(throttle, client, now());
      if (wait > 0) throw tooMany(reply, wait, `too many wrong PINs: try again in ${Math.ceil(wait / 1000)} s`);
      if (checking.has(client) || checking.size >= MAX_CHECKS_IN_FLIGHT) throw tooMany(reply, 1000, 'a PIN check is already running: try again in a moment');
      const asked = req.body.role;
      if (asked ? !hasPin(asked) : pins.length === 0) {
        throw new ApiError(403, 'PIN_NOT_CONFIGURED', `no ${asked ?? 'panel'} PIN is configured: set panel.${asked ?? 'crew'}PinHash or add panel.people (made by \`purser pin-hash\`)`, 'role');
      }
      checking.add(client);
      let match;
      try {
        match = await matchPin(req.body.pin, pins, gate, asked);
      } finally {
        checking.delete(client);
      }
      if (match.kind === 'shared') {
        // A configuration fault, not a guess: the right PIN, but it names nobody. No throttling; the log says where.
        badPins.warn(`shared:${match.holders.map((h) => h.keyPath).join()}`, { keyPaths: match.holders.map((h) => h.keyPath) }, 'a panel PIN belongs to more than one entry: it logs nobody in until each has their own');
        throw new ApiError(409, 'PIN_SHARED', 'this PIN is more than one person\'s, so it cannot say who you are: ask a technician to give each person their own PIN', 'pin');
      }
      if (match.kind === 'none') {
        throttle = recordFailure(throttle, client, now());
        badPins.warn(`pin:${client}`, { client }, 'wrong panel PIN');
        const locked = waitMs(throttle, client, now());
        if (locked > 0) reply.header('retry-after', String(Math.ceil(locked / 1000)));
        throw new ApiError(401, 'WRONG_PIN', 'that PIN is not right', 'pin');
      }
      throttle = recordSuccess(throttle, client);
      const { role, person } = match.holder;
      const s = sessions.create(role, person);
      reply.header('set-cookie', sessionCookie(s.id, SESSION_POLICY[role].maxMs, req.protocol === 'https'));
      reply.header('cache-control', 'no-store');
      ctx.bus.publish({ type: 'crew.action', seat: null, at: Date.now(), action: 'session.login', ...who(s) });
      return { session: view(s) };
    });

    app.delete('/api/v1/session', async (req, reply) => {
      const s = sessionOf(req);
      if (s) {
        sessions.delete(s.id);
        ctx.bus.publish({ type: 'crew.action', seat: null, at: Date.now(), action: 'session.logout', ...who(s) });
      }
      reply.header('set-cookie', clearedSessionCookie(req.protocol === 'https'));
      return { session: null };
    });
  };
}
