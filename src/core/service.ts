import { BehaviorSubject, type Observable } from 'rxjs';

/** The health a supervised subsystem reports (GET /api/v1/health). */
/** `starting`: its first start is still under way (seats are already answered meanwhile). */
export type HealthState = 'ok' | 'degraded' | 'starting' | 'down';

export interface Health {
  state: HealthState;
  /** Why it is not ok, for a technician reading the health page. */
  detail?: string;
  since: number;
}

/**
 * A long-lived part of the controller (Twisted's Service). The controller starts
 * services in order and stops them in reverse; stop() must be safe to call
 * after a failed or partial start().
 */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly health$: Observable<Health>;
  /**
   * Emits when the service died after it started (its child process exited,
   * its socket closed, its thread crashed): the supervisor stops it and
   * starts it again with backoff.
   */
  readonly failed$?: Observable<Error>;
}

/** Holds a service's health as a stream; services own one and set it as they go. */
export class HealthCell {
  readonly #subject: BehaviorSubject<Health>;

  constructor(initial: HealthState = 'down', detail: string | undefined = initial === 'down' ? 'not started' : undefined, private readonly now: () => number = Date.now) {
    this.#subject = new BehaviorSubject<Health>(detail === undefined ? { state: initial, since: now() } : { state: initial, detail, since: now() });
  }

  get value(): Health {
    return this.#subject.value;
  }

  get health$(): Observable<Health> {
    return this.#subject.asObservable();
  }

  set(state: HealthState, detail?: string): void {
    const cur = this.#subject.value;
    if (cur.state === state && cur.detail === detail) return;
    this.#subject.next(detail === undefined ? { state, since: this.now() } : { state, detail, since: this.now() });
  }
}
