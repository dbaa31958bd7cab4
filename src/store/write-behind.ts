import type { SeatRegistry } from '../cabin/registry.js';
import type { CabinStore } from './cabin-store.js';

export interface WriteBehindOptions {
  /** How often the controller calls flush(), ms. */
  intervalMs: number;
  /**
   * A seat whose snapshot only churned (uptime, seq, clock skew, media
   * position, update progress, last poll time) is written again within about
   * this long: each flush writes the longest-unwritten share of them.
   */
  churnRefreshMs: number;
  /** At most this many rows (events and seat snapshots) per transaction; the rest follow in later turns of the event loop. */
  sliceRows: number;
  /** After each committed transaction: its duration and the rows it wrote. */
  onCommit?(ms: number, rows: { seats: number; events: number }): void;
  onError?(err: Error): void;
}

/** Defaults: once a second; churn within a minute; slices of about 3 ms on a 2-core Xeon (about 12 µs a row). */
export const WRITE_BEHIND_DEFAULTS = { intervalMs: 1000, churnRefreshMs: 60_000, sliceRows: 250 } as const;

/**
 * What the store writes behind, and when. Every poll changes a seat's
 * snapshot (uptime, seq, media position...), but a restart needs only its
 * last-known state: so a flush writes every seat whose state changed
 * (online/offline, LRU, firmware, boot, faults, inputs, media state or item,
 * update state, acknowledged command) and, of the seats that only churned,
 * enough of the longest-unwritten to come round to each within
 * `churnRefreshMs`. A steady cabin of N seats costs N x interval / refresh
 * rows a flush (5 for 300 seats), not N.
 *
 * A flush that is still large (every seat changes at once: start-up, a PA
 * announcement) is committed in transactions of at most `sliceRows` rows,
 * one per turn of the event loop, so polls are answered in between.
 */
export class WriteBehind {
  readonly #churnPerFlush: number;
  #immediate: NodeJS.Immediate | undefined;

  constructor(
    private readonly registry: SeatRegistry,
    private readonly store: CabinStore,
    private readonly opts: WriteBehindOptions = WRITE_BEHIND_DEFAULTS,
  ) {
    this.#churnPerFlush = Math.ceil((registry.layout.seats.length * opts.intervalMs) / opts.churnRefreshMs);
  }

  /** Seats that only churned written per flush. */
  get churnPerFlush(): number {
    return this.#churnPerFlush;
  }

  /** True while a flush is still being written slice by slice. */
  get busy(): boolean {
    return this.#immediate !== undefined;
  }

  /** The periodic flush: takes what to write from the registry and commits its first slice now, the rest in later turns. */
  flush(): void {
    // Slices of the previous flush still pending: what changed since waits in the registry for the next call.
    if (this.#immediate) return;
    this.store.queueSnapshots(this.registry.takeDirty(this.#churnPerFlush));
    this.#slice();
  }

  /** Writes everything not yet written, churn included, in one transaction (at stop). Throws if the store does. */
  flushAll(): void {
    this.cancel();
    const before = this.store.written;
    const t0 = performance.now();
    this.store.flush(this.registry.takeDirty());
    this.#report(before, performance.now() - t0);
  }

  /** Drops pending slices (what they would have written stays queued in the store). */
  cancel(): void {
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }

  readonly #slice = (): void => {
    this.#immediate = undefined;
    const before = this.store.written;
    const t0 = performance.now();
    let left: number;
    try {
      left = this.store.flush([], { maxRows: this.opts.sliceRows });
    } catch (e) {
      this.opts.onError?.(e as Error);
      return; // no retry in a tight loop: the next flush tries again
    }
    this.#report(before, performance.now() - t0);
    if (left > 0) this.#immediate = setImmediate(this.#slice);
  };

  #report(before: { transactions: number; seatRows: number; eventRows: number }, ms: number): void {
    const after = this.store.written;
    if (after.transactions === before.transactions) return;
    this.opts.onCommit?.(ms, { seats: after.seatRows - before.seatRows, events: after.eventRows - before.eventRows });
  }
}
