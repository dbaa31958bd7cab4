/**
 * At most `max` file transfers at once, the rest waiting in arrival order
 * for up to their deadline. Why: every chunk of every transfer passes
 * through the one event loop that also answers 300 seats' polls, and on
 * loopback the kernel's TCP work lands on the sender too; 300 streams at
 * once make longer loop turns, not more bytes a second (the disk and the
 * CPU are the limit). First in, first served: a seat that just finished a
 * file and asks for the next one queues behind those already waiting.
 */
export class TransferSlots {
  #active = 0;
  #timedOut = 0;
  readonly #waiting: { grant: () => void }[] = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, not ${max}`);
  }

  get active(): number {
    return this.#active;
  }
  get queued(): number {
    return this.#waiting.length;
  }
  /** Requests that waited past their deadline and got no slot (each one a 503 BUSY). */
  get timedOut(): number {
    return this.#timedOut;
  }

  /**
   * A release function once a slot is free, or undefined after `waitMs`.
   * Releasing twice is harmless; a slot is never lost or given twice.
   */
  acquire(waitMs: number): Promise<(() => void) | undefined> {
    if (this.#active < this.max && this.#waiting.length === 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => {
      const entry = {
        grant: () => {
          clearTimeout(timer);
          resolve(this.#take());
        },
      };
      const timer = setTimeout(() => {
        const i = this.#waiting.indexOf(entry);
        if (i >= 0) this.#waiting.splice(i, 1);
        this.#timedOut++;
        resolve(undefined);
      }, waitMs);
      this.#waiting.push(entry);
    });
  }

  #take(): () => void {
    this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      const next = this.#waiting.shift();
      next?.grant();
    };
  }
}
