import { BehaviorSubject, type Observable, type Subscription, switchMap } from 'rxjs';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../../core/backoff.js';
import type { Logger } from './log.js';
import type { Health, Service } from './service.js';
import { StartFailure } from './start-failure.js';

export { backoffDelay, type BackoffPolicy };

/** A service that stayed up this long has recovered: its next failure starts the backoff afresh. */
const STABLE_MS = 30_000;

/**
 * Runs a peripheral service: a failed start, or a failure after it started
 * (`failed$`), is retried with backoff and full jitter in the background
 * instead of failing the controller, so one subsystem's fault never stops the
 * others. Its health reads `down` with the reason until it is up again.
 *
 * Its first start may run in the background while seats are answered: until
 * that first attempt is over its health reads `starting`. A `StartFailure`
 * (a configured port in use) at that first start is not retried: it is
 * rethrown, so the controller's start fails naming the key. Once it has been
 * up, every failure is retried.
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
  /** Whether it was ever up: a StartFailure only fails the start before that. */
  #everStarted = false;
  /** The start attempt under way, which stop() waits for so nothing it opens outlives the stop. */
  #attemptRun: Promise<void> | undefined;

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
    if (!this.#everStarted) this.#override.next({ state: 'starting', detail: 'starting', since: Date.now() });
    await this.#run(true);
  }

  /** A start attempt, remembered while it runs; only the first start's StartFailure escapes. */
  #run(first: boolean): Promise<void> {
    const run = this.#tryStart(first);
    const settled = (this.#attemptRun = run.then(
      () => undefined,
      () => undefined,
    ));
    void settled.then(() => {
      if (this.#attemptRun === settled) this.#attemptRun = undefined;
    });
    return run;
  }

  async #tryStart(first = false): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.inner.start();
      if (this.#stopped) {
        await this.inner.stop().catch(() => undefined);
        return;
      }
      this.#started = true;
      this.#everStarted = true;
      this.#startedAt = performance.now();
      this.#override.next(null);
      this.#failedSub = this.inner.failed$?.subscribe((err) => void this.#failed(err, 'failed'));
    } catch (e) {
      if (this.#stopped) {
        await this.inner.stop().catch(() => undefined);
        return;
      }
      if (first && !this.#everStarted && e instanceof StartFailure) {
        this.log.error({ service: this.name, key: e.key, err: e.message }, 'service failed to start');
        this.#override.next({ state: 'down', detail: e.message, since: Date.now() });
        await this.inner.stop().catch(() => undefined);
        throw e;
      }
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
      void this.#run(false);
    }, delay);
    this.#timer.unref();
  }

  /** Stops it, and waits for a start attempt under way: whatever that attempt opened is closed too. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#failedSub?.unsubscribe();
    this.#started = false;
    const attempt = this.#attemptRun;
    await this.inner.stop();
    await attempt;
  }
}
