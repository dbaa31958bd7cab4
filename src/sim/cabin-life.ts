import { seededRandom } from '../../core/random.js';
import type { Simulator } from './simulator.js';

/**
 * The demo's living cabin: passengers press the call button now and then (and
 * cancel it a while later, as one does once served), one seat has a fault
 * that comes and goes, and one seat drops off the network and comes back.
 * Without it `npm start` shows an all-green cabin and a newcomer has nothing
 * to answer. Seeded, so two demo runs behave alike.
 */
export interface CabinLifeOptions {
  /** Mean ms between two passenger calls across the cabin (0: no calls). */
  callEveryMs: number;
  /** A passenger cancels a call after this many ms (at most), if the crew has not been by. */
  callHoldMs: number;
  /** Ms between a seat going offline and the next (0: none); it stays away offlineForMs. */
  offlineEveryMs: number;
  offlineForMs: number;
  /** Ms a fault stays on a seat, then off as long (0: no fault). */
  faultCycleMs: number;
  seed?: number;
}

export const DEFAULT_CABIN_LIFE: CabinLifeOptions = { callEveryMs: 45_000, callHoldMs: 240_000, offlineEveryMs: 120_000, offlineForMs: 40_000, faultCycleMs: 90_000 };

/** What a demo seat may suffer, with a plain-language code the fault table knows. */
const DEMO_FAULTS = [
  { code: 'SCREEN_BACKLIGHT', severity: 'error' },
  { code: 'HEADPHONE_JACK', severity: 'warn' },
] as const;

export class CabinLife {
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #random: () => number;
  #stopped = false;

  constructor(
    private readonly sim: Simulator,
    private readonly opts: CabinLifeOptions = DEFAULT_CABIN_LIFE,
  ) {
    this.#random = seededRandom(opts.seed ?? 20_260_601);
  }

  start(): void {
    const players = this.sim.players;
    if (players.length === 0) return;
    if (this.opts.callEveryMs > 0) this.#after(this.#jitter(this.opts.callEveryMs) / 3, () => this.#call());
    if (this.opts.faultCycleMs > 0) this.#after(this.opts.faultCycleMs / 6, () => this.#fault(0));
    if (this.opts.offlineEveryMs > 0) this.#after(this.opts.offlineEveryMs / 4, () => this.#offline());
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #pick() {
    const players = this.sim.players;
    return players[Math.floor(this.#random() * players.length)]!;
  }

  /** Exponential-ish spread around a mean, never below a tenth of it. */
  #jitter(mean: number): number {
    return Math.max(mean / 10, -Math.log(1 - this.#random()) * mean);
  }

  #after(ms: number, fn: () => void): void {
    if (this.#stopped) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#stopped) fn();
    }, ms);
    t.unref?.();
    this.#timers.add(t);
  }

  #call(): void {
    const p = this.#pick();
    p.pressCall();
    this.#after(this.opts.callHoldMs * (0.5 + this.#random() / 2), () => p.releaseCall());
    this.#after(this.#jitter(this.opts.callEveryMs), () => this.#call());
  }

  #fault(i: number): void {
    const f = DEMO_FAULTS[i % DEMO_FAULTS.length]!;
    const p = this.#pick();
    p.raiseFault(f.code, f.severity);
    this.#after(this.opts.faultCycleMs, () => {
      p.clearFault(f.code);
      this.#after(this.opts.faultCycleMs, () => this.#fault(i + 1));
    });
  }

  #offline(): void {
    this.#pick().goSilent(this.opts.offlineForMs);
    this.#after(this.opts.offlineForMs + this.opts.offlineEveryMs, () => this.#offline());
  }
}
