import { Counter, Gauge, type Registry } from 'prom-client';
import type { PaSource } from './detector.js';

/**
 * The PA on the controller's /metrics: sessions begun, seconds on air and
 * whether the cabin hears one now, per source, whether the audio began it or
 * the crew did by hand. Seconds on air grow during a PA (each scrape adds the
 * time so far), not only when it ends.
 */
export class PaMetrics {
  readonly #sessions: Counter<'source'>;
  readonly #seconds: Counter<'source'>;
  /** Sources on air, with the monotonic ms their seconds were last counted up to. */
  readonly #onAir = new Map<PaSource, number>();

  constructor(
    registry: Registry,
    sources: readonly PaSource[],
    private readonly now: () => number = () => performance.now(),
  ) {
    const registers = [registry];
    this.#sessions = new Counter({ name: 'purser_pa_sessions_total', help: 'PA announcements begun (detected or by the crew), by source', labelNames: ['source'] as const, registers });
    this.#seconds = new Counter({ name: 'purser_pa_on_air_seconds_total', help: 'Seconds the cabin heard a PA, by source', labelNames: ['source'] as const, registers, collect: () => this.#countUp() });
    for (const source of sources) {
      this.#sessions.inc({ source }, 0);
      this.#seconds.inc({ source }, 0);
    }
    const onAir = this.#onAir;
    new Gauge({
      name: 'purser_pa_active',
      help: '1 while the cabin hears a PA (any source), else 0',
      registers,
      collect() {
        this.set(onAir.size > 0 ? 1 : 0);
      },
    });
  }

  /** The sources the cabin hears now (the detected one, and any the crew began by hand). */
  observe(sources: Iterable<PaSource>): void {
    const now = this.now();
    const next = new Set(sources);
    for (const [source, since] of this.#onAir) {
      if (next.has(source)) continue;
      this.#seconds.inc({ source }, (now - since) / 1000);
      this.#onAir.delete(source);
    }
    for (const source of next) {
      if (this.#onAir.has(source)) continue;
      this.#onAir.set(source, now);
      this.#sessions.inc({ source });
    }
  }

  #countUp(): void {
    const now = this.now();
    for (const [source, since] of this.#onAir) {
      this.#seconds.inc({ source }, (now - since) / 1000);
      this.#onAir.set(source, now);
    }
  }
}
