import { Counter, Gauge, type Registry } from 'prom-client';
import type { Rollout, RolloutState, SeatState } from './model.js';

/** The states a rollout is open in: at most one at a time, but each is exported. */
const OPEN_STATES: readonly RolloutState[] = ['running', 'paused', 'halted'];
/** Seat outcomes counted as they happen (a seat retried and updated counts once failed, once updated). */
const OUTCOMES: readonly SeatState[] = ['updated', 'failed'];

/** Firmware rollouts on the controller's /metrics: open ones by state, halts, and seats updated or failed. */
export class RolloutMetrics {
  readonly #halted: Counter;
  readonly #seats: Counter<'outcome'>;

  constructor(registry: Registry, open: () => Iterable<Rollout>) {
    const registers = [registry];
    this.#halted = new Counter({ name: 'purser_rollouts_halted_total', help: 'Firmware rollouts halted (by the error or success threshold, or an image no longer servable)', registers });
    this.#seats = new Counter({ name: 'purser_rollout_seats_total', help: 'Seats that reached an outcome in a firmware rollout: updated, or failed after every attempt', labelNames: ['outcome'] as const, registers });
    for (const outcome of OUTCOMES) this.#seats.inc({ outcome }, 0);
    new Gauge({
      name: 'purser_rollouts_active',
      help: 'Firmware rollouts open now (not completed or cancelled), by state',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const counts = new Map<string, number>(OPEN_STATES.map((s) => [s, 0]));
        for (const r of open()) if (counts.has(r.state)) counts.set(r.state, counts.get(r.state)! + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
  }

  /** A rollout as committed, after `previous` (undefined: first seen in this process, nothing to count). */
  observe(previous: Rollout | undefined, r: Rollout): void {
    if (!previous || previous === r) return;
    if (r.state === 'halted' && previous.state !== 'halted') this.#halted.inc();
    const before = new Map(previous.seats.map((s) => [s.seat, s.state]));
    for (const s of r.seats) {
      if (before.get(s.seat) !== s.state && OUTCOMES.includes(s.state)) this.#seats.inc({ outcome: s.state });
    }
  }
}
