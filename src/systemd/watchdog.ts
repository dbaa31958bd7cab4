import { BehaviorSubject, type Observable } from 'rxjs';
import { systemClock, type Clock } from '../../core/clock.js';
import { silentLog, type LogSink } from '../../core/log.js';

/** Why the last ping slot did not ping. */
export type WatchdogHold = 'loop-stalled' | 'essential-down';

export interface WatchdogState {
  /** True while the pings go out. */
  pinging: boolean;
  hold: WatchdogHold | undefined;
  /** The essential services' reason, when essentialOk said so. */
  reason: string | undefined;
  /** How late the last ping timer fired (event-loop lag), ms. */
  lagMs: number;
  /** Monotonic time of the last WATCHDOG=1, or undefined before the first. */
  lastPingAt: number | undefined;
  pings: number;
}

/** What essentialOk answers: a boolean, or ok with a reason for the log. */
export type EssentialHealth = boolean | { ok: boolean; reason?: string };

export interface WatchdogOptions {
  /** Something that sends WATCHDOG=1 (a Notifier). */
  notifier: { watchdog(): void };
  /** WatchdogSec= in ms (readSystemdEnv().watchdogMs). Pings go out every half of it. */
  intervalMs: number;
  /**
   * Whether the essential services (seat polling, the store) are ok. While it
   * says no, no ping goes out, so systemd kills and restarts the process
   * after WatchdogSec. Thrown errors count as no.
   */
  essentialOk: () => EssentialHealth;
  /**
   * A ping timer firing later than this means the event loop was stuck: that
   * slot does not ping. Default: a quarter of the interval, so a loop stuck
   * for that long is restarted (the next slot comes after the deadline).
   */
  maxLagMs?: number;
  clock?: Clock;
  log?: LogSink;
}

/**
 * systemd's watchdog, fed only while the process is really working. A ping
 * timer runs every intervalMs/2; each time it fires it measures how late it
 * is (event-loop lag). A loop blocked outright fires nothing, so the pings
 * stop by themselves; a loop that was stuck long enough to make the timer
 * late by more than maxLagMs skips its ping too; and while essentialOk() says
 * no, nothing is sent. In each case systemd restarts the unit once
 * WatchdogSec passes without a ping (Restart=always).
 */
export class Watchdog {
  readonly #o: Required<Omit<WatchdogOptions, 'log' | 'clock'>> & { clock: Clock; log: LogSink };
  readonly #state: BehaviorSubject<WatchdogState>;
  readonly state$: Observable<WatchdogState>;
  #timer: NodeJS.Timeout | undefined;
  #due = 0;

  constructor(opts: WatchdogOptions) {
    if (!(opts.intervalMs > 0)) throw new RangeError(`watchdog interval must be > 0 ms, got ${opts.intervalMs}`);
    this.#o = {
      notifier: opts.notifier,
      intervalMs: opts.intervalMs,
      essentialOk: opts.essentialOk,
      maxLagMs: opts.maxLagMs ?? opts.intervalMs / 4,
      clock: opts.clock ?? systemClock,
      log: opts.log ?? silentLog,
    };
    this.#state = new BehaviorSubject<WatchdogState>({
      pinging: false,
      hold: undefined,
      reason: undefined,
      lagMs: 0,
      lastPingAt: undefined,
      pings: 0,
    });
    this.state$ = this.#state.asObservable();
  }

  get periodMs(): number {
    return this.#o.intervalMs / 2;
  }

  get state(): WatchdogState {
    return this.#state.value;
  }

  /** Pings at once (if essentials are ok) and then every period. */
  start(): void {
    if (this.#timer) return;
    this.#tick(0);
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#state.next({ ...this.#state.value, pinging: false });
  }

  #schedule(): void {
    this.#due = this.#o.clock.mono() + this.periodMs;
    this.#timer = setTimeout(() => this.#tick(Math.max(0, this.#o.clock.mono() - this.#due)), this.periodMs);
    // The watchdog alone must not keep a process alive that has nothing else to do.
    this.#timer.unref();
  }

  #tick(lagMs: number): void {
    const prev = this.#state.value;
    let hold: WatchdogHold | undefined;
    let reason: string | undefined;
    if (lagMs > this.#o.maxLagMs) {
      hold = 'loop-stalled';
      reason = `event loop was stuck: ping timer ${Math.round(lagMs)} ms late`;
    } else {
      const health = this.#essential();
      if (!health.ok) {
        hold = 'essential-down';
        reason = health.reason;
      }
    }
    let { lastPingAt, pings } = prev;
    if (hold === undefined) {
      this.#o.notifier.watchdog();
      lastPingAt = this.#o.clock.mono();
      pings++;
    } else if (prev.hold !== hold || prev.reason !== reason) {
      this.#o.log.warn(
        { hold, reason, lagMs: Math.round(lagMs), watchdogMs: this.#o.intervalMs },
        'systemd watchdog not fed: systemd restarts Purser if this lasts',
      );
    }
    if (hold === undefined && prev.hold !== undefined) {
      this.#o.log.info({ was: prev.hold }, 'systemd watchdog fed again');
    }
    this.#state.next({ pinging: hold === undefined, hold, reason, lagMs, lastPingAt, pings });
    this.#schedule();
  }

  #essential(): { ok: boolean; reason?: string } {
    try {
      const h = this.#o.essentialOk();
      if (typeof h === 'boolean') return h ? { ok: true } : { ok: false, reason: 'essential services not ok' };
      return h.ok ? { ok: true } : { ok: false, reason: h.reason ?? 'essential services not ok' };
    } catch (err) {
      return { ok: false, reason: `essentialOk threw: ${String(err)}` };
    }
  }
}
