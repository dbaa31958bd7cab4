import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import { systemClock, type Clock } from '../../core/clock.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { RateLimitedWarn } from '../../core/rate-limited-warn.js';
import type { PortHealth } from '../../hardware/serial/index.js';
import { ModbusReplyDecoder, encodeReadInputs, type ModbusReply } from '../../protocols/modbus-rtu/index.js';

/** The read-write port a module hangs on: hardware/serial's ReadWriteSerialPort fits. */
export interface IoModulePort {
  readonly data$: Observable<Buffer>;
  /** The port's health; 'down' makes the module port-down without a write being tried. */
  readonly state$: Observable<{ state: PortHealth; attributes: { detail: string } }>;
  write(bytes: Uint8Array): Promise<void>;
  reportFrame(): void;
  reportError(reason: string): void;
}

export interface IoModuleConfig {
  id: string;
  /** The configured device path, shown on the entity. */
  port: string;
  unit: number;
  start: number;
  count: number;
  pollMs: number;
  replyTimeoutMs: number;
  maxMisses: number;
}

/** `unknown`: not answered yet since start (no alert: the first poll is under way). */
export type IoModuleState = 'unknown' | 'ok' | 'no-reply' | 'port-down' | 'exception';

export interface IoModuleSnapshot {
  state: IoModuleState;
  detail: string;
  /** Requests sent (not counting the turns skipped while the port is down). */
  polls: number;
  replies: number;
  /** Consecutive polls without a good reply (reset by one). */
  misses: number;
  /** Every poll without a good reply since start. */
  missesTotal: number;
  timeouts: number;
  crcErrors: number;
  exceptions: number;
  /** Wall ms of the last good reply, null before one. */
  lastReplyAt: number | null;
  lastExceptionCode: number | null;
  lastException: string | null;
}

/** The line a module input feeds (docs/avionics.md, "Discrete I/O modules"): `<module id>.DI<input address>`. */
export function ioLineName(moduleId: string, address: number): string {
  return `${moduleId}.DI${address}`;
}

const PORT_GRACE_MS = 3000;

type Outcome = { kind: 'reply'; reply: ModbusReply } | { kind: 'timeout'; crc: number } | { kind: 'port-down'; detail: string } | { kind: 'stopped' };

/**
 * Polls one Modbus RTU discrete-input module: every `pollMs`, Read Discrete
 * Inputs (unit, start, count), one request in flight (RTU has no request
 * ids: a reply belongs to the one outstanding request), the decoder reset
 * before each so a late reply is never taken for the next. Each input of a
 * good reply goes to `onInput(line, level)`; a miss feeds nothing, so the
 * discretes go stale on their own `staleMs` (discretes.ts) and read unknown.
 */
export class IoModulePoller {
  readonly #cfg: IoModuleConfig;
  readonly #port: IoModulePort;
  readonly #onInput: (line: string, level: boolean) => void;
  readonly #clock: Clock;
  readonly #log: LogSink;
  readonly #warn: RateLimitedWarn;
  readonly #decoder = new ModbusReplyDecoder();
  readonly #request: Buffer;
  readonly #lines: string[];
  readonly #state$: BehaviorSubject<IoModuleSnapshot>;
  #s: IoModuleSnapshot;
  #portDown: string | null = null;
  #subs: Subscription[] = [];
  #timer: NodeJS.Timeout | null = null;
  #waiting: { resolve: (o: Outcome) => void; crc: number } | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #lastCountersAt = -Infinity;
  #portEverUp = false;
  #startedAt = 0;

  constructor(cfg: IoModuleConfig, port: IoModulePort, onInput: (line: string, level: boolean) => void, deps: { clock?: Clock; log?: LogSink } = {}) {
    this.#cfg = cfg;
    this.#port = port;
    this.#onInput = onInput;
    this.#clock = deps.clock ?? systemClock;
    this.#log = deps.log ?? silentLog;
    this.#warn = new RateLimitedWarn(this.#log, 3, 60_000, () => this.#clock.mono());
    this.#request = encodeReadInputs({ unit: cfg.unit, start: cfg.start, quantity: cfg.count });
    this.#lines = Array.from({ length: cfg.count }, (_, i) => ioLineName(cfg.id, cfg.start + i));
    this.#s = {
      state: 'unknown',
      detail: 'not polled yet',
      polls: 0,
      replies: 0,
      misses: 0,
      missesTotal: 0,
      timeouts: 0,
      crcErrors: 0,
      exceptions: 0,
      lastReplyAt: null,
      lastExceptionCode: null,
      lastException: null,
    };
    this.#state$ = new BehaviorSubject(this.#s);
  }

  get config(): IoModuleConfig {
    return this.#cfg;
  }

  /** Current snapshot on subscribe, then on each state change, and counters at most once a second. */
  get state$(): Observable<IoModuleSnapshot> {
    return this.#state$.asObservable();
  }

  snapshot(): IoModuleSnapshot {
    return { ...this.#s };
  }

  /** The lines this module feeds, in input order. */
  lines(): readonly string[] {
    return this.#lines;
  }

  start(): void {
    if (this.#subs.length > 0 || this.#stopped) return;
    this.#subs.push(this.#port.data$.subscribe((chunk) => this.#onBytes(chunk)));
    this.#subs.push(
      this.#port.state$.subscribe((p) => {
        this.#portDown = p.state === 'down' ? p.attributes.detail : null;
        if (this.#portDown === null) this.#portEverUp = true;
        else this.#portIsDown(this.#portDown);
      }),
    );
    this.#startedAt = this.#clock.mono();
    this.#schedule(0);
  }

  /** The port opens a moment after start: 'not opened yet' is start-up, not a fault, for a grace of 3 s. */
  #portIsDown(detail: string): void {
    if (!this.#portEverUp && this.#clock.mono() - this.#startedAt < PORT_GRACE_MS) return this.#set('unknown', `waiting for the serial port: ${detail}`);
    this.#set('port-down', `serial port down: ${detail}`);
  }

  /** Stops polling: no timer left, a poll in flight ends at once. Does not close the port (its manager does). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#waiting?.resolve({ kind: 'stopped' });
    await this.#running;
    for (const s of this.#subs.splice(0)) s.unsubscribe();
    this.#state$.complete();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const t0 = this.#clock.mono();
      this.#running = this.#pollOnce().finally(() => {
        this.#running = null;
        // The next request pollMs after this one went out, never while it is in flight.
        this.#schedule(Math.max(0, this.#cfg.pollMs - (this.#clock.mono() - t0)));
      });
    }, delayMs);
  }

  async #pollOnce(): Promise<void> {
    const outcome = await this.#exchange();
    if (outcome.kind === 'stopped') return;
    if (outcome.kind === 'port-down') return this.#portIsDown(outcome.detail);
    this.#s = { ...this.#s, polls: this.#s.polls + 1 };
    if (outcome.kind === 'timeout') {
      const why = outcome.crc > 0 ? `${outcome.crc} reply frame(s) with a bad CRC, nothing applied` : `no reply within ${this.#cfg.replyTimeoutMs} ms`;
      this.#s = { ...this.#s, timeouts: this.#s.timeouts + (outcome.crc > 0 ? 0 : 1) };
      return this.#miss(why);
    }
    const r = outcome.reply;
    if (r.kind === 'exception') {
      this.#s = { ...this.#s, exceptions: this.#s.exceptions + 1, lastExceptionCode: r.code, lastException: r.meaning };
      // A refusal is not silence: the module is there (state exception at once), but its inputs are not read.
      return this.#miss(`exception ${r.code} (${r.meaning})`, 'exception');
    }
    this.#s = { ...this.#s, replies: this.#s.replies + 1, misses: 0, lastReplyAt: this.#clock.wall() };
    this.#lines.forEach((line, i) => this.#onInput(line, r.bits[i]!));
    this.#set('ok', `unit ${this.#cfg.unit} answers: DI${this.#cfg.start}..DI${this.#cfg.start + this.#cfg.count - 1}`);
  }

  #miss(why: string, exception?: 'exception'): void {
    const misses = this.#s.misses + 1;
    this.#s = { ...this.#s, misses, missesTotal: this.#s.missesTotal + 1 };
    this.#warn.warn(`iomodule:${this.#cfg.id}`, { module: this.#cfg.id, unit: this.#cfg.unit, misses, why }, 'I/O module poll missed');
    if (exception) this.#set('exception', `the module answered ${why}`);
    else if (misses >= this.#cfg.maxMisses) this.#set('no-reply', `${misses} polls in a row without a good reply (last: ${why})`);
    else this.#publish();
  }

  async #exchange(): Promise<Outcome> {
    if (this.#stopped) return { kind: 'stopped' };
    if (this.#portDown !== null) return { kind: 'port-down', detail: this.#portDown };
    this.#decoder.reset();
    const reply = new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => done({ kind: 'timeout', crc: this.#waiting?.crc ?? 0 }), this.#cfg.replyTimeoutMs);
      const done = (o: Outcome) => {
        clearTimeout(timer);
        this.#waiting = null;
        resolve(o);
      };
      this.#waiting = { resolve: done, crc: 0 };
    });
    try {
      await this.#port.write(this.#request);
    } catch (err) {
      this.#waiting?.resolve({ kind: 'port-down', detail: err instanceof Error ? err.message : String(err) });
    }
    return reply;
  }

  #onBytes(chunk: Buffer): void {
    for (const e of this.#decoder.push(chunk)) {
      const w = this.#waiting;
      if (!e.ok) {
        this.#port.reportError(`Modbus ${e.error}: ${e.detail}`);
        if (e.error === 'crc') {
          this.#s = { ...this.#s, crcErrors: this.#s.crcErrors + 1 };
          if (w) w.crc++;
        }
        continue;
      }
      this.#port.reportFrame();
      const r = e.reply;
      // Another unit's reply on a shared line, or one too short for what was asked: not ours.
      if (!w || r.unit !== this.#cfg.unit) continue;
      if (r.kind === 'inputs' && r.bits.length < this.#cfg.count) {
        this.#port.reportError(`Modbus reply carries ${r.bits.length} inputs, ${this.#cfg.count} were asked for`);
        continue;
      }
      w.resolve({ kind: 'reply', reply: r });
    }
  }

  #set(state: IoModuleState, detail: string): void {
    const changed = state !== this.#s.state;
    this.#s = { ...this.#s, state, detail };
    if (changed) {
      const line = { module: this.#cfg.id, unit: this.#cfg.unit, state, detail };
      if (state === 'ok') this.#log.info(line, 'I/O module state');
      else if (state !== 'unknown') this.#log.warn(line, 'I/O module state');
    }
    this.#publish(changed);
  }

  /** State changes at once; counters alone at most once a second (a poll every 200 ms is no news). */
  #publish(force = false): void {
    if (this.#state$.isStopped) return;
    const now = this.#clock.mono();
    const prev = this.#state$.value;
    if (!force && prev.state === this.#s.state && prev.detail === this.#s.detail && now - this.#lastCountersAt < 1000) return;
    this.#lastCountersAt = now;
    this.#state$.next(this.snapshot());
  }
}
