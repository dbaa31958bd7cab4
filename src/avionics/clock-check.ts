import type { AvionicsDate } from './flight-info.js';

/**
 * Compares the head-end's wall clock with avionics UTC (label 125, to the
 * tenth of a minute, and label 260's date when there is one). The head-end's
 * clock is not trusted after a power cut; the avionics' is. Reports the
 * skew, and jumps of either clock against the monotonic clock.
 */

export interface ClockCheckOptions {
  /** A skew beyond this (plus the 6 s resolution of label 125) is reported as not ok. */
  maxSkewMs?: number;
  /** A clock that moves this much more or less than the monotonic clock between two checks jumped. */
  jumpMs?: number;
}

export interface ClockReport {
  /** Epoch ms the avionics say it is. */
  avionicsMs: number;
  wallMs: number;
  /** wall - avionics: positive when the head-end runs ahead. */
  skewMs: number;
  /** Label 125's resolution: a tenth of a minute. */
  resolutionMs: number;
  skewOk: boolean;
  /** Whether the date came from label 260 (else the nearest day to the wall clock was assumed). */
  dated: boolean;
  jumps: Array<{ clock: 'wall' | 'avionics'; byMs: number }>;
}

const DAY = 86_400_000;
const RESOLUTION = 6000;

export class ClockCheck {
  readonly #maxSkew: number;
  readonly #jump: number;
  #last: { mono: number; wall: number; avionics: number } | null = null;

  constructor(opts: ClockCheckOptions = {}) {
    this.#maxSkew = opts.maxSkewMs ?? 30_000;
    this.#jump = opts.jumpMs ?? 30_000;
  }

  /** `utcMinutes` from label 125; `date` from label 260 if fresh; mono and wall from the injected Clock. */
  observe(utcMinutes: number, date: AvionicsDate | null, mono: number, wall: number): ClockReport {
    const ofDay = Math.round(utcMinutes * 60_000);
    let avionicsMs: number;
    if (date) {
      avionicsMs = Date.UTC(date.year, date.month - 1, date.day) + ofDay;
    } else {
      // No date: pick the day (yesterday, today, tomorrow by the wall clock) that lands nearest, so midnight does not read as a day of skew.
      const midnight = Math.floor(wall / DAY) * DAY;
      const candidates = [midnight - DAY, midnight, midnight + DAY].map((d) => d + ofDay);
      avionicsMs = candidates.reduce((best, c) => (Math.abs(c - wall) < Math.abs(best - wall) ? c : best));
    }
    const jumps: ClockReport['jumps'] = [];
    if (this.#last) {
      const dMono = mono - this.#last.mono;
      const wallJump = wall - this.#last.wall - dMono;
      const avJump = avionicsMs - this.#last.avionics - dMono;
      if (Math.abs(wallJump) > this.#jump) jumps.push({ clock: 'wall', byMs: wallJump });
      if (Math.abs(avJump) > this.#jump + RESOLUTION) jumps.push({ clock: 'avionics', byMs: avJump });
    }
    this.#last = { mono, wall, avionics: avionicsMs };
    const skewMs = wall - avionicsMs;
    return { avionicsMs, wallMs: wall, skewMs, resolutionMs: RESOLUTION, skewOk: Math.abs(skewMs) <= this.#maxSkew + RESOLUTION, dated: date !== null, jumps };
  }
}
