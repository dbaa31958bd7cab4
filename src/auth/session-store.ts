import { randomBytes } from 'node:crypto';
import type { PanelRole as Role } from './principal.js';

/** How long a session lasts: idle (since last use) and absolute (since login). */
export interface SessionPolicy {
  idleMs: number;
  maxMs: number;
}

/**
 * Crew stay logged in through a long service (the panel sits idle for hours
 * between calls); a technician's wider powers lapse sooner.
 */
export const SESSION_POLICY: Readonly<Record<Role, SessionPolicy>> = Object.freeze({
  crew: { idleMs: 4 * 3600_000, maxMs: 16 * 3600_000 },
  technician: { idleMs: 15 * 60_000, maxMs: 2 * 3600_000 },
});

export const MAX_SESSIONS = 64;

export interface Session {
  id: string;
  role: Role;
  /** Whose PIN opened it (`panel.people`); absent for a shared role PIN. */
  person?: string;
  /** Monotonic ms. */
  createdAt: number;
  lastUsedAt: number;
}

/**
 * Panel sessions in memory, keyed by a random 256-bit id (the cookie). A
 * controller restart ends them all: monotonic expiry cannot outlive the process,
 * and the panel still shows the cabin without one.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly policy: Readonly<Record<Role, SessionPolicy>> = SESSION_POLICY,
  ) {}

  create(role: Role, person?: string): Session {
    this.#sweep();
    // Full: the least recently used goes (Map order is use order, see get()).
    if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    const t = this.now();
    const s: Session = { id: randomBytes(32).toString('base64url'), role, ...(person !== undefined ? { person } : {}), createdAt: t, lastUsedAt: t };
    this.#sessions.set(s.id, s);
    return s;
  }

  /** The live session for an id, touched (its idle time restarts); undefined if unknown or expired. */
  get(id: string): Session | undefined {
    const s = this.#sessions.get(id);
    if (!s) return undefined;
    const t = this.now();
    this.#sessions.delete(id);
    if (this.#expired(s, t)) return undefined;
    s.lastUsedAt = t;
    this.#sessions.set(id, s);
    return s;
  }

  /** Ms until the session ends unless used again. */
  remainingMs(s: Session): number {
    const p = this.policy[s.role];
    return Math.max(0, Math.min(s.lastUsedAt + p.idleMs, s.createdAt + p.maxMs) - this.now());
  }

  delete(id: string): void {
    this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  #expired(s: Session, t: number): boolean {
    const p = this.policy[s.role];
    return t - s.lastUsedAt >= p.idleMs || t - s.createdAt >= p.maxMs;
  }

  #sweep(): void {
    const t = this.now();
    for (const [id, s] of this.#sessions) if (this.#expired(s, t)) this.#sessions.delete(id);
  }
}
