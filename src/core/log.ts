import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One JSON logger for the process (fastify uses the same pino). Tests get a
 * silent logger unless PURSER_LOG_LEVEL is set.
 */
export function createLogger(level = process.env.PURSER_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info')): Logger {
  return pino({ level, base: { app: 'purser' } });
}

/** Logs at most `perWindow` times per `windowMs` for one key; counts the rest. Bad input must not flood logs. */
export class RateLimitedLog {
  #windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly perWindow = 5,
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  warn(key: string, obj: object, msg: string): void {
    const t = this.now();
    let w = this.#windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      if (w && w.suppressed > 0) this.log.warn({ key, suppressed: w.suppressed }, 'suppressed repeated warnings');
      w = { start: t, count: 0, suppressed: 0 };
      this.#windows.set(key, w);
    }
    if (w.count < this.perWindow) {
      w.count++;
      this.log.warn({ key, ...obj }, msg);
    } else {
      w.suppressed++;
    }
  }

  /** A `{warn(obj, msg)}` for protocol code (which cannot import this), rate-limited under one key. */
  keyed(key: string): { warn(obj: object, msg: string): void } {
    return { warn: (obj, msg) => this.warn(key, obj, msg) };
  }
}
