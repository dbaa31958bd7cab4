import type { LruInfo } from '../../protocols/seat-poll/types.js';
import type { MoveReason } from '../contract/events.js';

/**
 * LRU moves held for a technician (docs/protocol.md §1 "LRU moves"). Each
 * unit's key proves only which unit wrote a poll, never where it is fitted: a
 * compromised unit could claim any seat. A unit cannot really poll from a seat
 * whose unit is still polling, nor from two seats, so such a claim is held
 * here, changing no seat, until a technician confirms or rejects it, or the
 * seat's unit has been silent for moveHoldMs.
 */
export interface PendingMove {
  /** The seat claimed. */
  seat: string;
  /** The unit claiming it. */
  serial: string;
  lru: LruInfo;
  /** The unit fitted at the claimed seat when the claim was first made (null: none). */
  holder: string | null;
  /** Where the claiming unit is installed (null: nowhere). */
  fromSeat: string | null;
  reason: MoveReason;
  /** Wall ms of the first and of the latest poll making this claim. */
  firstAt: number;
  lastAt: number;
  /** A technician's decision, until `decidedUntil` (wall ms); null: waiting. */
  decision: { kind: 'confirmed' | 'rejected'; by: string; at: number } | null;
  decidedUntil: number;
}

/** A claim as listed (GET /api/v1/moves): with when it is forgotten. */
export interface ListedMove extends PendingMove {
  /** Wall ms: a decision's end, or, while waiting, when the claim is forgotten unless the unit makes it again. */
  expiresAt: number;
}

/** Claims of seats by units, keyed by seat and serial. */
export class MoveBook {
  readonly #claims = new Map<string, PendingMove>();

  constructor(private readonly decisionTtlMs: number) {}

  get(seat: string, serial: string): PendingMove | undefined {
    return this.#claims.get(key(seat, serial));
  }

  /** Records a claim; true when it is new (the caller publishes lru.move-pending). */
  claim(c: Omit<PendingMove, 'firstAt' | 'lastAt' | 'decision' | 'decidedUntil'>, at: number): boolean {
    const k = key(c.seat, c.serial);
    const had = this.#claims.get(k);
    if (had) {
      had.lastAt = at;
      return false;
    }
    this.#claims.set(k, { ...c, firstAt: at, lastAt: at, decision: null, decidedUntil: 0 });
    return true;
  }

  /** A technician's decision on a waiting or decided claim; false when there is no such claim. */
  decide(seat: string, serial: string, kind: 'confirmed' | 'rejected', by: string, at: number): PendingMove | undefined {
    const c = this.#claims.get(key(seat, serial));
    if (!c) return undefined;
    c.decision = { kind, by, at };
    c.decidedUntil = at + this.decisionTtlMs;
    return c;
  }

  /** The claim is settled (the unit was installed): forget it. */
  settle(seat: string, serial: string): void {
    this.#claims.delete(key(seat, serial));
  }

  /** Drops claims nobody has repeated, and decisions, older than the TTL. */
  prune(at: number): void {
    for (const [k, c] of this.#claims) {
      const idle = at - c.lastAt > this.decisionTtlMs;
      const expired = c.decision !== null && at > c.decidedUntil;
      if (expired || (c.decision === null && idle)) this.#claims.delete(k);
    }
  }

  all(): ListedMove[] {
    return [...this.#claims.values()].map((c) => ({ ...c, expiresAt: c.decision ? c.decidedUntil : c.lastAt + this.decisionTtlMs }));
  }
}

const key = (seat: string, serial: string): string => `${seat}\u0000${serial}`;
