export interface ThrottlePolicy {
  /** Failures allowed within `windowMs` before the address is refused. */
  maxFailures: number;
  windowMs: number;
  /** How long a refused address stays refused. */
  lockMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { maxFailures: 5, windowMs: 60_000, lockMs: 5 * 60_000 };

/**
 * Counts failed logins per remote address on the monotonic clock; after
 * `maxFailures` within `windowMs` the address is refused for `lockMs`, even
 * with a good key (a guesser cannot tell it finally got one right). Bounded:
 * at most `maxAddresses` are tracked, the oldest forgotten first.
 */
export class FailureThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #lockedUntil = new Map<string, number>();

  constructor(
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
    private readonly now: () => number = () => performance.now(),
    private readonly maxAddresses = 4096,
  ) {}

  /** Milliseconds the address is still refused for, 0 if it may try. */
  lockedFor(address: string): number {
    const until = this.#lockedUntil.get(address);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left > 0) return left;
    this.#lockedUntil.delete(address);
    return 0;
  }

  /** Records a failure; true when this failure locked the address. */
  fail(address: string): boolean {
    const t = this.now();
    const recent = (this.#failures.get(address) ?? []).filter((at) => t - at < this.policy.windowMs);
    recent.push(t);
    this.#failures.delete(address);
    this.#failures.set(address, recent);
    this.#trim(this.#failures);
    if (recent.length < this.policy.maxFailures) return false;
    this.#failures.delete(address);
    this.#lockedUntil.delete(address);
    this.#lockedUntil.set(address, t + this.policy.lockMs);
    this.#trim(this.#lockedUntil);
    return true;
  }

  succeed(address: string): void {
    this.#failures.delete(address);
  }

  #trim(map: Map<string, unknown>): void {
    while (map.size > this.maxAddresses) map.delete(map.keys().next().value as string);
  }
}
