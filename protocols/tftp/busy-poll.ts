/**
 * Busy polling for ACKs (docs/tftp.md). Once a window is out, a sleeping
 * transfer thread has to be woken when its ACK comes, and on a virtual
 * machine waking an idle core costs tens of microseconds: more than the whole
 * round trip to a fast client on the same switch. For a short while after each
 * window the thread keeps turning its event loop (a chain of setImmediate, so
 * libuv polls the sockets without sleeping and nothing else waits) and picks
 * the ACK up at once. It trades CPU for round trips, the way the kernel's
 * SO_BUSY_POLL does, within a budget: it polls only for ACKs expected within
 * the budget, never longer than two round trips of the transfer that asked,
 * and one poller serves all of a server's transfers.
 */
export interface BusyPollOptions {
  /** Longest poll after a window, in microseconds; 0 turns busy polling off. */
  budgetUs: number;
  now?: () => number;
  schedule?: (fn: () => void) => void;
}

export class BusyPoll {
  readonly #budgetMs: number;
  readonly #now: () => number;
  readonly #schedule: (fn: () => void) => void;
  /** Poll until then (ms, on #now's clock). */
  #until = 0;
  #since = 0;
  #running = false;
  #totalMs = 0;

  constructor(o: BusyPollOptions) {
    this.#budgetMs = o.budgetUs / 1000;
    this.#now = o.now ?? (() => performance.now());
    this.#schedule = o.schedule ?? ((fn) => void setImmediate(fn));
  }

  /**
   * A window went out; its transfer's smoothed round trip is `srttMs`
   * (undefined before the first). Polls for up to two round trips, within the
   * budget, unless the ACK is not expected within the budget at all.
   */
  expect(srttMs: number | undefined): void {
    if (this.#budgetMs <= 0 || (srttMs !== undefined && srttMs > this.#budgetMs)) return;
    const now = this.#now();
    const span = srttMs === undefined ? this.#budgetMs : Math.min(this.#budgetMs, 2 * srttMs);
    this.#until = Math.max(this.#until, now + span);
    if (this.#running) return;
    this.#running = true;
    this.#since = now;
    this.#schedule(this.#tick);
  }

  get polling(): boolean {
    return this.#running;
  }

  /** Time spent polling so far, ms (the CPU it cost, at most). */
  get totalMs(): number {
    return this.#totalMs + (this.#running ? this.#now() - this.#since : 0);
  }

  readonly #tick = (): void => {
    const now = this.#now();
    if (now < this.#until) return this.#schedule(this.#tick);
    this.#running = false;
    this.#totalMs += now - this.#since;
  };
}
