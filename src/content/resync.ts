import type { ContentReport } from '../../protocols/seat-poll/types.js';

/** What the planner needs of a seat record. */
export interface ResyncSeat {
  seat: string;
  online: boolean;
  /** The poll's `content` report; absent or null: the seat has no content support, it is left alone. */
  content: ContentReport | null | undefined;
  /** The highest command seq the seat has applied (commands are applied in order). */
  ackCmd: number;
}

export interface ResyncPolicy {
  /** How long a seat may report another catalog (or make no progress towards the current one) before it is sent content.sync again. */
  graceMs: number;
  /** A seat is sent again at most this often; the wait doubles for each resend that did not help, up to maxSeatIntervalMs. */
  seatIntervalMs: number;
  maxSeatIntervalMs: number;
  /** At most this many seats are picked per plan() (one plan a second: the rate). */
  seatsPerPlan: number;
}

interface SeatState {
  /** Monotonic ms since the seat is seen lagging (online, with a report); undefined while it is not seen. */
  laggingSince: number | undefined;
  /** A syncing seat's last figures: a change is progress, and restarts its grace. */
  progress: string | undefined;
  /** Not sent again before this (monotonic ms). */
  nextAt: number;
  sends: number;
  /** Came back online after this run sent the catalog, with no live content.sync waiting for it: no grace. */
  woke: boolean;
}

/** A content.sync this run issued for the current catalog: seats above whose ackCmd it is still waiting get it in their poll answers. */
interface LiveSync {
  seq: number;
  /** Wall ms, as commands expire. */
  expiresAt: number;
  seats: ReadonlySet<string> | 'all';
}

/**
 * Which seats to send content.sync again, and when: pure decisions over the
 * seats' content reports and a clock the caller passes (docs/content.md,
 * "Seats that lag"). A seat lags when it is online, reports `content`, and
 * plays another catalog than the current one without syncing towards it
 * (or syncing with no progress). It is picked after `graceMs` of lagging, or
 * at once when it came back online after the sync was sent and that sync no
 * longer waits for it (expired, or it never was its target). Never more than
 * `seatsPerPlan` at a time, each seat at most every `seatIntervalMs`
 * (doubling), so a whole cabin coming back is a trickle, not a storm.
 */
export class ResyncPlanner {
  #current: string | null = null;
  #syncs: LiveSync[] = [];
  #sentThisRun = false;
  readonly #seats = new Map<string, SeatState>();

  constructor(private readonly policy: ResyncPolicy) {}

  get current(): string | null {
    return this.#current;
  }

  /** The library's current catalog; a change starts everyone's grace afresh. */
  setCurrent(catalogVersion: string | null): void {
    if (catalogVersion === this.#current) return;
    this.#current = catalogVersion;
    this.#syncs = [];
    this.#sentThisRun = false;
    this.#seats.clear();
  }

  /** content.sync for the current catalog went to `seats` (or every seat) as command `seq`. */
  sent(seats: readonly string[] | 'all', seq: number, expiresAt: number, now: number): void {
    this.#sentThisRun = true;
    this.#syncs.push({ seq, expiresAt, seats: seats === 'all' ? 'all' : new Set(seats) });
    if (seats === 'all') return;
    for (const seat of seats) {
      const st = this.#state(seat);
      st.sends++;
      st.nextAt = now + Math.min(this.policy.maxSeatIntervalMs, this.policy.seatIntervalMs * 2 ** (st.sends - 1));
      st.laggingSince = now;
      st.woke = false;
    }
  }

  /** The seat came back online (a `seat.online` event). */
  online(seat: string): void {
    if (this.#current === null || !this.#sentThisRun) return;
    this.#state(seat).woke = true;
  }

  /** Seats due a content.sync now, the longest waiting first. `wall` is for command expiry. */
  plan(now: number, wall: number, seats: Iterable<ResyncSeat>): string[] {
    const current = this.#current;
    if (current === null) return [];
    this.#syncs = this.#syncs.filter((s) => s.expiresAt > wall);
    const due: { seat: string; woke: boolean; since: number }[] = [];
    for (const s of seats) {
      const c = s.content;
      if (c && c.version === current) {
        this.#seats.delete(s.seat);
        continue;
      }
      const st = this.#seats.get(s.seat);
      if (!s.online || !c) {
        if (st) st.laggingSince = undefined;
        continue;
      }
      const state = st ?? this.#state(s.seat);
      if (c.state === 'syncing' && c.target === current) {
        const progress = `${c.filesDone ?? 0}/${c.bytesDone ?? 0}`;
        if (progress !== state.progress) {
          state.progress = progress;
          state.laggingSince = now;
          state.woke = false;
          continue;
        }
      }
      state.laggingSince ??= now;
      if (now < state.nextAt || this.#waiting(s)) continue;
      if (state.woke || now - state.laggingSince >= this.policy.graceMs) due.push({ seat: s.seat, woke: state.woke, since: state.laggingSince });
    }
    due.sort((a, b) => Number(b.woke) - Number(a.woke) || a.since - b.since || (a.seat < b.seat ? -1 : a.seat > b.seat ? 1 : 0));
    return due.slice(0, this.policy.seatsPerPlan).map((d) => d.seat);
  }

  /** Seats the planner is watching (lagging, or sent to and not caught up yet). */
  get watching(): number {
    return this.#seats.size;
  }

  #waiting(s: ResyncSeat): boolean {
    return this.#syncs.some((x) => x.seq > s.ackCmd && (x.seats === 'all' || x.seats.has(s.seat)));
  }

  #state(seat: string): SeatState {
    let st = this.#seats.get(seat);
    if (!st) {
      st = { laggingSince: undefined, progress: undefined, nextAt: Number.NEGATIVE_INFINITY, sends: 0, woke: false };
      this.#seats.set(seat, st);
    }
    return st;
  }
}
