import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { backoffDelay, type BackoffPolicy } from '../../core/backoff.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { portHealth } from './health.js';
import { openTty, type TtyHandle } from './open-tty.js';
import type { ReadOnlySerialPort, ReadWriteSerialPort, SerialPortConfig, SerialPortEntity, ReadOnlyPortConfig, ReadWritePortConfig } from './types.js';

export interface SerialPortDeps {
  log?: LogSink;
  clock?: Clock;
  /** For the backoff jitter; seeded in tests. */
  random?: () => number;
  /** How often the watchdog looks and counters are republished. Default min(1000, silenceMs / 4). */
  tickMs?: number;
}

export const DEFAULT_SERIAL_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000 };
const READ_CHUNK = 4096;

/**
 * One configured port: opens it, reads until the device goes away, reopens
 * with backoff, watches for silence, counts. Internal: callers get the facade
 * from startSerialPort(), which exposes write() only for read-write ports.
 */
class PortSupervisor {
  readonly #cfg: SerialPortConfig;
  readonly #log: LogSink;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #silenceMs: number;
  readonly #state$: BehaviorSubject<SerialPortEntity>;
  readonly #data$ = new Subject<Buffer>();
  #tty: TtyHandle | null = null;
  #resolvedPath: string | null = null;
  #downDetail = 'not opened yet';
  #openedAt: number | null = null;
  #lastByteAt: number | null = null;
  #bytesIn = 0;
  #bytesOut = 0;
  #frames = 0;
  #errors = 0;
  #lastError: string | null = null;
  #opens = 0;
  #attempt = 0;
  #stopped = false;
  #ticker: NodeJS.Timeout;
  #sleepTimer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  #writeChain: Promise<void> = Promise.resolve();
  readonly #done: Promise<void>;

  constructor(cfg: SerialPortConfig, deps: SerialPortDeps) {
    this.#cfg = cfg;
    this.#log = deps.log ?? silentLog;
    this.#clock = deps.clock ?? systemClock;
    this.#random = deps.random ?? Math.random;
    this.#silenceMs = cfg.silenceMs ?? 0;
    this.#state$ = new BehaviorSubject(this.snapshot());
    const tickMs = deps.tickMs ?? (this.#silenceMs > 0 ? Math.max(20, Math.min(1000, this.#silenceMs / 4)) : 1000);
    this.#ticker = setInterval(() => this.#publish(), tickMs);
    this.#ticker.unref();
    this.#done = this.#run();
  }

  get state$(): Observable<SerialPortEntity> {
    return this.#state$.asObservable();
  }

  get data$(): Observable<Buffer> {
    return this.#data$.asObservable();
  }

  snapshot(): SerialPortEntity {
    const now = this.#clock.mono();
    const h = portHealth({
      open: this.#tty !== null,
      resolvedPath: this.#resolvedPath,
      downDetail: this.#downDetail,
      openedAt: this.#openedAt,
      lastByteAt: this.#lastByteAt,
      silenceMs: this.#silenceMs,
      now,
    });
    return {
      id: this.#cfg.id,
      kind: 'serial-port',
      state: h.state,
      attributes: {
        path: this.#cfg.path,
        resolvedPath: this.#resolvedPath,
        baudRate: this.#cfg.baudRate,
        mode: this.#cfg.mode,
        detail: h.detail,
        bytesIn: this.#bytesIn,
        bytesOut: this.#bytesOut,
        frames: this.#frames,
        errors: this.#errors,
        lastError: this.#lastError,
        lastByteAgoMs: this.#lastByteAt === null ? null : Math.round(now - this.#lastByteAt),
        reopenCount: Math.max(0, this.#opens - 1),
      },
    };
  }

  reportFrame(): void {
    this.#frames++;
  }

  reportError(reason: string): void {
    this.#errors++;
    this.#lastError = String(reason);
  }

  write(bytes: Uint8Array): Promise<void> {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const next = this.#writeChain.then(async () => {
      const tty = this.#tty;
      if (!tty) throw new Error(`serial port ${this.#cfg.id} is down: ${this.#downDetail}`);
      await tty.write(buf);
      this.#bytesOut += buf.length;
    });
    this.#writeChain = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return this.#done;
    this.#stopped = true;
    clearInterval(this.#ticker);
    if (this.#sleepTimer) clearTimeout(this.#sleepTimer);
    this.#wake?.();
    const tty = this.#tty;
    if (tty) await tty.close().catch(() => undefined);
    await this.#done;
    this.#downDetail = 'stopped';
    this.#publish();
    this.#state$.complete();
    this.#data$.complete();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let tty: TtyHandle;
      try {
        const opened = await openTty(this.#cfg.path, this.#cfg.mode, this.#cfg);
        tty = opened.tty;
        this.#resolvedPath = opened.resolvedPath;
      } catch (err) {
        await this.#retryLater(`cannot open ${this.#cfg.path}: ${message(err)}`);
        continue;
      }
      if (this.#stopped) {
        await tty.close().catch(() => undefined);
        break;
      }
      this.#tty = tty;
      this.#opens++;
      this.#attempt = 0;
      this.#openedAt = this.#clock.mono();
      this.#log.info({ port: this.#cfg.id, path: this.#cfg.path, tty: this.#resolvedPath, reopenCount: this.#opens - 1 }, 'serial port open');
      this.#publish();
      const lost = await this.#readUntilLost(tty);
      this.#tty = null;
      // Said before the close is awaited: a snapshot taken meanwhile is down, and must say why.
      if (!this.#stopped) this.#downDetail = `device lost: ${message(lost)}`;
      await tty.close().catch(() => undefined);
      if (this.#stopped) break;
      this.#errors++;
      this.#lastError = message(lost);
      this.#log.warn({ port: this.#cfg.id, tty: this.#resolvedPath, err: message(lost) }, 'serial device lost');
      await this.#retryLater(`device lost: ${message(lost)}`);
    }
  }

  /** Reads until the tty fails; returns the failure (a read cancelled by stop() too). */
  async #readUntilLost(tty: TtyHandle): Promise<unknown> {
    for (;;) {
      try {
        const buf = Buffer.allocUnsafe(READ_CHUNK);
        const { bytesRead } = await tty.read(buf, 0, READ_CHUNK);
        this.#onBytes(buf.subarray(0, bytesRead));
      } catch (err) {
        return err;
      }
    }
  }

  #onBytes(chunk: Buffer): void {
    const wasOk = this.#state$.value.state === 'ok';
    this.#bytesIn += chunk.length;
    this.#lastByteAt = this.#clock.mono();
    if (!wasOk) this.#publish(); // degraded -> ok as soon as bytes flow again, not at the next tick
    this.#data$.next(chunk);
  }

  async #retryLater(detail: string): Promise<void> {
    const delay = backoffDelay(this.#attempt++, this.#cfg.backoff ?? DEFAULT_SERIAL_BACKOFF, this.#random);
    this.#downDetail = `${detail}; retry in ${delay} ms`;
    this.#publish();
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#sleepTimer = setTimeout(resolve, delay);
    });
    this.#sleepTimer = null;
    this.#wake = null;
  }

  /** Emits when anything but the ever-growing lastByteAgoMs changed. */
  #publish(): void {
    if (this.#state$.isStopped) return;
    const next = this.snapshot();
    const prev = this.#state$.value;
    const key = (e: SerialPortEntity) => JSON.stringify({ ...e, attributes: { ...e.attributes, lastByteAgoMs: null } });
    if (key(prev) !== key(next)) this.#state$.next(next);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Starts supervising one port. The returned object for a 'read-only' config
 * has no write method (and its descriptor is O_RDONLY); only 'read-write'
 * gets write().
 */
export function startSerialPort(cfg: ReadOnlyPortConfig, deps?: SerialPortDeps): ReadOnlySerialPort;
export function startSerialPort(cfg: ReadWritePortConfig, deps?: SerialPortDeps): ReadWriteSerialPort;
export function startSerialPort(cfg: SerialPortConfig, deps?: SerialPortDeps): ReadOnlySerialPort | ReadWriteSerialPort;
export function startSerialPort(cfg: SerialPortConfig, deps: SerialPortDeps = {}): ReadOnlySerialPort | ReadWriteSerialPort {
  if (cfg.mode !== 'read-only' && cfg.mode !== 'read-write') throw new Error(`serial port ${(cfg as SerialPortConfig).id}: mode must be 'read-only' or 'read-write'`);
  const s = new PortSupervisor(cfg, deps);
  const common = {
    id: cfg.id,
    state$: s.state$,
    data$: s.data$,
    snapshot: () => s.snapshot(),
    reportFrame: () => s.reportFrame(),
    reportError: (reason: string) => s.reportError(reason),
    stop: () => s.stop(),
  };
  if (cfg.mode === 'read-only') return Object.freeze({ ...common, mode: 'read-only' as const });
  return Object.freeze({ ...common, mode: 'read-write' as const, write: (bytes: Uint8Array) => s.write(bytes) });
}
