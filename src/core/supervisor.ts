import { BehaviorSubject, type Observable, type Subscription, switchMap } from 'rxjs';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../../core/backoff.js';
import type { Logger } from './log.js';
import type { Health, Service } from './service.js';

export { backoffDelay, type BackoffPolicy };

/** A service that stayed up this long has recovered: its next failure starts the backoff afresh. */
const STABLE_MS = 30_000;

/**
 * Runs a peripheral service: a failed start, or a failure after it started
 * (`failed$`), is retried with backoff and full jitter in the background
 * instead of failing the controller, so one subsystem's fault never stops the
 * others. Its health reads `down` with the reason until it is up again.
 */
export class Supervised implements Service {
  readonly name: string;
  readonly #override = new BehaviorSubject<Health | null>(null);
  readonly health$: Observable<Health>;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #stopped = false;
  #started = false;
  #startedAt = 0;
  #restarts = 0;
  #failedSub: Subscription | undefined;

  constructor(
    private readonly inner: Service,
    private readonly log: Logger,
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly rand: () => number = Math.random,
  ) {
    this.name = inner.name;
    this.health$ = this.#override.pipe(switchMap((o) => (o ? new BehaviorSubject(o) : inner.health$)));
  }

  get started(): boolean {
    return this.#started;
  }

  /** How many times it was started again after failing. */
  get restarts(): number {
    return this.#restarts;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#tryStart();
  }

  async #tryStart(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.inner.start();
      if (this.#stopped) {
        await this.inner.stop().catch(() => undefined);
        return;
      }
      this.#started = true;
      this.#startedAt = performance.now();
      this.#override.next(null);
      this.#failedSub = this.inner.failed$?.subscribe((err) => void this.#failed(err, 'failed'));
    } catch (e) {
      await this.#failed(e as Error, 'failed to start');
    }
  }

  async #failed(err: Error, what: string): Promise<void> {
    if (this.#stopped) return;
    this.#failedSub?.unsubscribe();
    this.#failedSub = undefined;
    if (this.#started && performance.now() - this.#startedAt >= STABLE_MS) this.#attempt = 0;
    this.#started = false;
    const delay = backoffDelay(this.#attempt++, this.policy, this.rand);
    const detail = `${what}: ${err.message}; retrying in ${(delay / 1000).toFixed(1)} s`;
    this.log.warn({ service: this.name, err: err.message, retryInMs: delay }, `service ${what}`);
    this.#override.next({ state: 'down', detail, since: Date.now() });
    await this.inner.stop().catch(() => undefined);
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#restarts++;
      void this.#tryStart();
    }, delay);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#failedSub?.unsubscribe();
    this.#started = false;
    await this.inner.stop();
  }
}
