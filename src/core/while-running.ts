import { DomainError } from '../contract/errors.js';

/** Seconds a client is told to wait while a service is down (its supervisor is restarting it). */
export const NOT_RUNNING_RETRY_AFTER_S = 2;

/**
 * What a service holds only while it runs (the firmware catalog, from keys
 * loaded and the startup check done until it stops or dies). One shared way
 * to reach it instead of a getter per feature answering undefined and a 503
 * at each use: `get()` gives it or throws DomainError `unavailable` naming
 * what is down (503 with Retry-After over HTTP, the message on the console);
 * `peek()` is for code that waits instead (a rollout holds its seats).
 * While a feature's services make their first start the controller answers
 * its routes 503 STARTING; this covers a service that is down afterwards.
 */
export class WhileRunning<T> {
  #value: T | undefined;

  constructor(
    /** As a person would name it: "the firmware catalog". */
    readonly what: string,
    /** The error code while it is down, e.g. FIRMWARE_UNAVAILABLE. */
    readonly code: string,
  ) {}

  /** The service is up with `value`. */
  up(value: T): void {
    this.#value = value;
  }

  /** The service stopped or died. */
  down(): void {
    this.#value = undefined;
  }

  get(): T {
    if (this.#value === undefined) throw this.notRunning();
    return this.#value;
  }

  peek(): T | undefined {
    return this.#value;
  }

  notRunning(): DomainError {
    return new DomainError('unavailable', this.code, `${this.what} is not running; see GET /api/v1/health`, undefined, NOT_RUNNING_RETRY_AFTER_S);
  }
}
