import { clockOffset, watchClock, type ClockJump, type ClockOffset, type ClockWatch } from '../../core/clock-watch.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { LogSink } from '../../core/log.js';
import type { EntityStates } from '../contract/entities.js';
import type { EventBus } from '../contract/event-bus.js';
import type { EventDeclarations } from '../contract/events.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    /** The head-end's wall clock stepped (NTP, the crew, an RTC after a power cut): `jumpMs` > 0 forward. */
    'clock.jumped': { seat: null; at: number; jumpMs: number };
    /** The head-end's clock is far from the seats' consensus (`offsetMs` > 0: the head-end is ahead), or back in line. */
    'clock.far-off': { seat: null; at: number; offsetMs: number; seatsUsed: number };
    'clock.in-line': { seat: null; at: number; offsetMs: number; seatsUsed: number };
  }
}

/** Declared by the controller under the name `system`. */
export const CLOCK_EVENTS: EventDeclarations = { 'clock.jumped': 'stored', 'clock.far-off': 'stored', 'clock.in-line': 'stored' };

export const CLOCK_ENTITY = 'clock:head-end';

export interface HeadEndClockOptions {
  bus: Pick<EventBus, 'publish'>;
  entities: Pick<EntityStates, 'set'>;
  /** Each online seat's last skew (seat clock minus ours when its poll arrived), ms. */
  seatSkews: () => number[];
  log: LogSink;
  clock?: Clock;
  /** How often the seats' consensus is recomputed (default 10 s). */
  offsetEveryMs?: number;
  farOffMs?: number;
  /** Timer injection for tests. */
  every?: (fn: () => void, ms: number) => () => void;
}

function realEvery(fn: () => void, ms: number): () => void {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
}

/**
 * The head-end's clock as an entity (`clock:head-end`): jumps of the wall
 * clock (monotonic against wall, core/clock-watch.ts) are logged, stored as
 * `clock.jumped` and shown; the offset against the seats' consensus is an
 * attribute, and a far-off clock is state `far-off` plus a stored event.
 * Nothing is scheduled by the wall clock here, so a jump only moves reports.
 */
export class HeadEndClock {
  readonly #o: HeadEndClockOptions;
  readonly #clock: Clock;
  #watch: ClockWatch | undefined;
  #stopOffset: (() => void) | undefined;
  #lastJump: ClockJump | undefined;
  #jumps = 0;
  #offset: ClockOffset | undefined;
  #farOff = false;

  constructor(opts: HeadEndClockOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  start(): void {
    if (this.#watch) return;
    const every = this.#o.every ?? realEvery;
    this.#watch = watchClock({ clock: this.#clock, every, onJump: (j) => this.#jumped(j) });
    this.#stopOffset = every(() => this.checkOffset(), this.#o.offsetEveryMs ?? 10_000);
    this.#show();
  }

  stop(): void {
    this.#watch?.stop();
    this.#stopOffset?.();
    this.#watch = undefined;
    this.#stopOffset = undefined;
  }

  /** For tests and the timer: samples the clocks now. */
  sample(): ClockJump | undefined {
    return this.#watch?.sample();
  }

  /** Recomputes the seats' consensus; returns it (undefined with fewer than 3 seats). */
  checkOffset(): ClockOffset | undefined {
    const skews = this.#o.seatSkews();
    const off = clockOffset(
      skews.map((s) => ({ clockAt: s, receivedAt: 0 })),
      this.#o.farOffMs !== undefined ? { farOffMs: this.#o.farOffMs } : {},
    );
    this.#offset = off;
    const far = off?.farOff ?? false;
    if (off && far !== this.#farOff) {
      this.#farOff = far;
      const at = this.#clock.wall();
      const fields = { seat: null, at, offsetMs: off.offsetMs, seatsUsed: off.seatsUsed };
      if (far) {
        this.#o.log.warn({ offsetMs: off.offsetMs, seatsUsed: off.seatsUsed, outliers: off.outliers }, "the head-end's clock is far from the seats' consensus");
        this.#o.bus.publish({ type: 'clock.far-off', ...fields });
      } else {
        this.#o.log.info({ offsetMs: off.offsetMs }, "the head-end's clock is back in line with the seats");
        this.#o.bus.publish({ type: 'clock.in-line', ...fields });
      }
    }
    this.#show();
    return off;
  }

  #jumped(j: ClockJump): void {
    this.#lastJump = j;
    this.#jumps++;
    this.#o.log.warn({ jumpMs: j.jumpMs, now: new Date(j.at).toISOString() }, "the head-end's wall clock jumped");
    this.#o.bus.publish({ type: 'clock.jumped', seat: null, at: j.at, jumpMs: j.jumpMs });
    this.#show();
  }

  #show(): void {
    const off = this.#offset;
    this.#o.entities.set({
      id: CLOCK_ENTITY,
      kind: 'clock',
      name: "Head-end clock",
      state: this.#farOff ? 'far-off' : 'ok',
      attributes: {
        jumps: this.#jumps,
        lastJumpMs: this.#lastJump?.jumpMs ?? null,
        lastJumpAt: this.#lastJump?.at ?? null,
        seatOffsetMs: off?.offsetMs ?? null,
        seatsUsed: off?.seatsUsed ?? 0,
        outliers: off?.outliers ?? 0,
      },
    });
  }
}
