import { BehaviorSubject, type Observable, switchMap } from 'rxjs';
import type { Logger } from './log.js';
import type { Health, Service } from './service.js';

import { backoffDelay, type BackoffPolicy } from '../../core/backoff.js';

export { backoffDelay, type BackoffPolicy };

/**
 * Runs a peripheral service: a failed start is retried with backoff in the
 * background instead of failing the controller, so one subsystem's fault never
 * stops the others. Its health reads `down` with the reason until it starts.
 */
export class Supervised implements Service {
  readonly name: string;
  readonly #override = new BehaviorSubject<Health | null>(null);
  readonly health$: Observable<Health>;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #stopped = false;
  #started = false;

  constructor(
    private readonly inner: Service,
    private readonly log: Logger,
    private readonly policy: BackoffPolicy = { initialMs: 1000, maxMs: 30_000 },
  ) {
    this.name = inner.name;
    this.health$ = this.#override.pipe(switchMap((o) => (o ? new BehaviorSubject(o) : inner.health$)));
  }

  get started(): boolean {
    return this.#started;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#tryStart();
  }

  async #tryStart(): Promise<void> {
    try {
      await this.inner.start();
      this.#started = true;
      this.#attempt = 0;
      this.#override.next(null);
    } catch (e) {
      if (this.#stopped) return;
      const delay = backoffDelay(this.#attempt++, this.policy);
      const detail = `start failed: ${(e as Error).message}; retrying in ${Math.round(delay / 1000)} s`;
      this.log.warn({ service: this.name, err: (e as Error).message, retryInMs: delay }, 'service failed to start');
      this.#override.next({ state: 'down', detail, since: Date.now() });
      await this.inner.stop().catch(() => undefined);
      this.#timer = setTimeout(() => void this.#tryStart(), delay);
      this.#timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#started = false;
    await this.inner.stop();
  }
}
