import { systemClock, type Clock } from './clock.js';

/**
 * The head-end's wall clock is not trusted after a power cut: it may be set
 * back to the RTC's idea, or stepped hours forward by NTP or the crew. This
 * file notices such jumps, and estimates how far the controller's wall clock
 * is from the seats' (each seat reports its own `clockAt`).
 */

/** A wall-clock step: `jumpMs` > 0 forward, < 0 back. */
export interface ClockJump {
  /** Wall-clock epoch ms after the jump (the new time). */
  at: number;
  jumpMs: number;
  /** Monotonic ms when it was noticed. */
  monoAt: number;
}

export interface ClockWatchOptions {
  onJump: (jump: ClockJump) => void;
  clock?: Clock;
  /** Sampling period (default 1000 ms). */
  sampleMs?: number;
  /**
   * A wall-minus-monotonic change larger than this (either way) between two
   * samples is a jump (default 2000 ms: NTP slews well below that; a stuck
   * event loop delays both clocks alike and is no jump).
   */
  thresholdMs?: number;
  /** Timer injection for tests; default setInterval, unref'd. */
  every?: (fn: () => void, ms: number) => () => void;
}

export interface ClockWatch {
  /** Takes a sample now (the timer calls it); returns the jump it found, if any. */
  sample(): ClockJump | undefined;
  stop(): void;
}

function realEvery(fn: () => void, ms: number): () => void {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
}

/**
 * Samples both clocks every sampleMs: over a steady interval the wall and the
 * monotonic clock advance alike, so a difference in elapsed time beyond the
 * threshold is the wall clock jumping. Each jump is reported once.
 */
export function watchClock(opts: ClockWatchOptions): ClockWatch {
  const clock = opts.clock ?? systemClock;
  const threshold = opts.thresholdMs ?? 2000;
  let lastMono = clock.mono();
  let lastWall = clock.wall();
  const sample = (): ClockJump | undefined => {
    const mono = clock.mono();
    const wall = clock.wall();
    const jumpMs = wall - lastWall - (mono - lastMono);
    lastMono = mono;
    lastWall = wall;
    if (!Number.isFinite(jumpMs) || Math.abs(jumpMs) <= threshold) return undefined;
    const jump = { at: wall, jumpMs: Math.round(jumpMs), monoAt: mono };
    try {
      opts.onJump(jump);
    } catch {
      // a listener's bug must not stop the watch
    }
    return jump;
  };
  const cancel = (opts.every ?? realEvery)(sample, opts.sampleMs ?? 1000);
  return { sample, stop: cancel };
}

/** One seat's report: its `clockAt` and the controller's wall clock when the poll arrived. */
export interface SeatClockSample {
  clockAt: number;
  receivedAt: number;
}

export interface ClockOffsetOptions {
  /** Fewer usable seats than this: no verdict (default 3). */
  minSeats?: number;
  /** |offset| beyond this is "far off" (default 120 000 ms). */
  farOffMs?: number;
  /**
   * A seat whose skew is further than this from the median, and than 5 times
   * the median absolute deviation, is an outlier (a seat with a dead RTC
   * battery); default 5000 ms.
   */
  outlierMs?: number;
}

export interface ClockOffset {
  /** Controller minus the seats' consensus, ms: > 0 means the controller is ahead. */
  offsetMs: number;
  farOff: boolean;
  seatsUsed: number;
  outliers: number;
}

/**
 * The controller's wall-clock offset against the seats' consensus: the
 * median of the seats' skews (seat clock minus controller clock at arrival)
 * after dropping outliers, negated. Pure; undefined when too few seats report.
 */
export function clockOffset(samples: readonly SeatClockSample[], opts: ClockOffsetOptions = {}): ClockOffset | undefined {
  const minSeats = Math.max(1, opts.minSeats ?? 3);
  const farOffMs = opts.farOffMs ?? 120_000;
  const outlierMs = opts.outlierMs ?? 5000;
  const skews: number[] = [];
  for (const s of samples) {
    const d = s.clockAt - s.receivedAt;
    if (Number.isFinite(d)) skews.push(d);
  }
  if (skews.length < minSeats) return undefined;
  const m = median(skews);
  const mad = median(skews.map((d) => Math.abs(d - m)));
  const limit = Math.max(outlierMs, 5 * mad);
  const kept = skews.filter((d) => Math.abs(d - m) <= limit);
  if (kept.length < minSeats) return undefined;
  const offsetMs = -median(kept);
  return {
    offsetMs: Math.round(offsetMs) + 0, // + 0: never -0
    farOff: Math.abs(offsetMs) > farOffMs,
    seatsUsed: kept.length,
    outliers: skews.length - kept.length,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
