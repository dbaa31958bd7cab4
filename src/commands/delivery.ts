import type { CommandBody, CommandName, Target } from '../../protocols/seat-command/types.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { Actor } from '../auth/principal.js';

export type DeliveryState = 'pending' | 'delivered' | 'incomplete' | 'expired';

/** What the API and the panel show of one command's delivery. */
export interface CommandStatus {
  seq: number;
  cmd: CommandName;
  args: Record<string, unknown>;
  target: Target;
  at: number;
  expiresAt: number;
  issuer: string;
  /** The person who sent it and their role, when their own PIN did (absent for older commands, shared PINs, the token). */
  actor?: Actor;
  state: DeliveryState;
  targeted: number;
  acked: number;
  pending: string[];
  offline: string[];
  deliveredAt?: number;
}

interface Delivery {
  body: CommandBody;
  issuer: string;
  actor?: Actor;
  targeted: Set<string>;
  waiting: Set<string>;
  /** Monotonic ms after which a command still waiting is reported incomplete. */
  deadline: number;
  /** Monotonic ms of its expiry (its wall `expiresAt` as a duration from when it was tracked). */
  expires: number;
  /** Monotonic ms it was issued at, for elapsedMs. */
  issued: number;
  state: DeliveryState;
  deliveredAt?: number;
}

export type DeliveryChange =
  | { kind: 'progress'; seq: number }
  | { kind: 'delivered'; seq: number; body: CommandBody; seats: number; elapsedMs: number }
  | { kind: 'incomplete'; seq: number; body: CommandBody; waiting: string[] };

/**
 * Which targeted seats have acknowledged each command. A seat acknowledges
 * seq N with any poll whose ackCmd >= N. Deadlines and expiry are durations
 * on the monotonic clock, so a jump of the head-end's wall clock (hours
 * either way after a power cut) neither reports a command incomplete early
 * nor never; wall time is only read to place a command issued before this
 * process started (its `at` and `expiresAt` are wall) and for deliveredAt.
 */
export class DeliveryTracker {
  /** Ascending seq. */
  readonly #bySeq = new Map<number, Delivery>();
  /** Seats with something to acknowledge, to keep the per-poll work small. */
  readonly #waitingBySeat = new Map<string, Set<number>>();

  constructor(private readonly timeoutMs: number, private readonly clock: Clock = systemClock, private readonly keep = 500) {}

  /** Starts tracking a command; one issued just now or, at start-up, one from the log (placed by its wall times). */
  track(body: CommandBody, issuer: string, targeted: readonly string[], ackOf: (seat: string) => number, actor?: Actor): DeliveryChange[] {
    const mono = this.clock.mono();
    const issued = mono - Math.max(0, this.clock.wall() - body.at);
    const expires = issued + (body.expiresAt - body.at);
    const d: Delivery = { body, issuer, ...(actor ? { actor } : {}), targeted: new Set(targeted), waiting: new Set(), deadline: Math.min(issued + this.timeoutMs, expires), expires, issued, state: 'pending' };
    for (const s of targeted) {
      if (ackOf(s) >= body.seq) continue;
      d.waiting.add(s);
      let set = this.#waitingBySeat.get(s);
      if (!set) this.#waitingBySeat.set(s, (set = new Set()));
      set.add(body.seq);
    }
    this.#bySeq.set(body.seq, d);
    this.#trim();
    return d.waiting.size === 0 ? [this.#deliver(d)] : [];
  }

  /** A poll from `seat` acknowledging every seq up to ackCmd. */
  ack(seat: string, ackCmd: number): DeliveryChange[] {
    const seqs = this.#waitingBySeat.get(seat);
    if (!seqs) return [];
    const out: DeliveryChange[] = [];
    for (const seq of seqs) {
      if (seq > ackCmd) continue;
      seqs.delete(seq);
      const d = this.#bySeq.get(seq);
      if (!d) continue;
      d.waiting.delete(seat);
      out.push(d.waiting.size === 0 && d.state !== 'delivered' ? this.#deliver(d) : { kind: 'progress', seq });
    }
    if (seqs.size === 0) this.#waitingBySeat.delete(seat);
    return out;
  }

  /** Reports commands past their delivery deadline once; marks expired ones. */
  tick(): DeliveryChange[] {
    const now = this.clock.mono();
    const out: DeliveryChange[] = [];
    for (const d of this.#bySeq.values()) {
      if (d.state === 'pending' && now > d.deadline) {
        d.state = 'incomplete';
        out.push({ kind: 'incomplete', seq: d.body.seq, body: d.body, waiting: [...d.waiting].sort() });
      }
      if ((d.state === 'incomplete' || d.state === 'pending') && now > d.expires) {
        d.state = 'expired';
        this.#forget(d);
        out.push({ kind: 'progress', seq: d.body.seq });
      }
    }
    return out;
  }

  status(seq: number, isOnline: (seat: string) => boolean): CommandStatus | undefined {
    const d = this.#bySeq.get(seq);
    if (!d) return undefined;
    const pending = [...d.waiting].sort(seatOrder);
    const b = d.body;
    return {
      seq: b.seq,
      cmd: b.cmd,
      args: b.args,
      target: b.target,
      at: b.at,
      expiresAt: b.expiresAt,
      issuer: d.issuer,
      ...(d.actor ? { actor: d.actor } : {}),
      state: d.state,
      targeted: d.targeted.size,
      acked: d.targeted.size - d.waiting.size,
      pending,
      offline: pending.filter((s) => !isOnline(s)),
      ...(d.deliveredAt !== undefined ? { deliveredAt: d.deliveredAt } : {}),
    };
  }

  /** Newest first. */
  recent(limit: number): number[] {
    return [...this.#bySeq.keys()].slice(-limit).reverse();
  }

  has(seq: number): boolean {
    return this.#bySeq.has(seq);
  }

  #deliver(d: Delivery): DeliveryChange {
    d.state = 'delivered';
    d.deliveredAt = this.clock.wall();
    return { kind: 'delivered', seq: d.body.seq, body: d.body, seats: d.targeted.size, elapsedMs: Math.max(0, Math.round(this.clock.mono() - d.issued)) };
  }

  #forget(d: Delivery): void {
    for (const s of d.waiting) this.#waitingBySeat.get(s)?.delete(d.body.seq);
  }

  #trim(): void {
    for (const [seq, d] of this.#bySeq) {
      if (this.#bySeq.size <= this.keep) break;
      this.#forget(d);
      this.#bySeq.delete(seq);
    }
  }
}

/** "2A" before "10A": by row, then letter. */
export function seatOrder(a: string, b: string): number {
  // Plain code-unit order for the letters: localeCompare's first call sets up collation (tens of ms).
  return parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : a > b ? 1 : 0);
}
