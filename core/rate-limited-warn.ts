import type { LogSink } from './log.js';


/** Keys tracked before the table is reset: spoofed sources must not grow memory. */
const MAX_KEYS = 1024;

/**
 * Logs at most `perWindow` warnings per `windowMs` for one key and counts the
 * rest. Bad packets must not flood the log. On the ground floor, so that
 * protocols/ can use it too; src/core's RateLimitedLog builds on it.
 */
export class RateLimitedWarn {
  readonly #windows = new Map<string, { start: number; count: number; suppressed: number }>();

  constructor(
    private readonly log: Pick<LogSink, 'warn'>,
    private readonly perWindow = 5,
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  warn(key: string, obj: object, msg: string): void {
    const t = this.now();
    let w = this.#windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      if (w && w.suppressed > 0) this.log.warn({ key, suppressed: w.suppressed }, 'suppressed repeated warnings');
      if (!w && this.#windows.size >= MAX_KEYS) this.#windows.clear();
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
}
