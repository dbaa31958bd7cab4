/**
 * Wrong-PIN throttling, per client address and for the whole controller: a
 * few free tries, then a lockout that doubles with each further failure. The
 * global limit is what stops a guesser spread over many seats' addresses.
 * Pure state + functions of monotonic time, so tests need no timers.
 */
export interface ThrottlePolicy {
  /** Failures allowed before the first lockout. */
  free: number;
  /** First lockout; doubles per further failure. */
  baseMs: number;
  maxMs: number;
}

export const CLIENT_POLICY: Readonly<ThrottlePolicy> = Object.freeze({ free: 3, baseMs: 2_000, maxMs: 5 * 60_000 });
export const GLOBAL_POLICY: Readonly<ThrottlePolicy> = Object.freeze({ free: 10, baseMs: 1_000, maxMs: 60_000 });
/** A counter is forgotten once it has been quiet (and unlocked) this long. */
export const FORGET_MS = 15 * 60_000;
/** Bounds memory against a flood of addresses; the oldest are forgotten first. */
export const MAX_CLIENTS = 4096;

interface Counter {
  failures: number;
  lockedUntil: number;
  lastFailureAt: number;
}

export interface ThrottleState {
  clients: ReadonlyMap<string, Counter>;
  global: Counter;
}

const fresh = (): Counter => ({ failures: 0, lockedUntil: 0, lastFailureAt: -Infinity });

export function initialThrottle(): ThrottleState {
  return { clients: new Map(), global: fresh() };
}

function live(c: Counter | undefined, now: number): Counter {
  if (!c || (now >= c.lockedUntil && now - c.lastFailureAt >= FORGET_MS)) return fresh();
  return c;
}

/** 0 when this client may try a PIN now, else how many ms it must wait. */
export function waitMs(s: ThrottleState, client: string, now: number): number {
  const c = live(s.clients.get(client), now);
  const g = live(s.global, now);
  return Math.max(0, c.lockedUntil - now, g.lockedUntil - now);
}

function fail(c: Counter, p: ThrottlePolicy, now: number): Counter {
  const failures = c.failures + 1;
  const over = failures - p.free;
  const lockMs = over > 0 ? Math.min(p.maxMs, p.baseMs * 2 ** Math.min(over - 1, 30)) : 0;
  return { failures, lockedUntil: Math.max(c.lockedUntil, now + lockMs), lastFailureAt: now };
}

export function recordFailure(s: ThrottleState, client: string, now: number): ThrottleState {
  const clients = new Map(s.clients);
  const next = fail(live(clients.get(client), now), CLIENT_POLICY, now);
  clients.delete(client);
  if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value!);
  clients.set(client, next);
  return { clients, global: fail(live(s.global, now), GLOBAL_POLICY, now) };
}

/** A right PIN clears that client's count; the global count stays, it only decays. */
export function recordSuccess(s: ThrottleState, client: string): ThrottleState {
  if (!s.clients.has(client)) return s;
  const clients = new Map(s.clients);
  clients.delete(client);
  return { ...s, clients };
}
