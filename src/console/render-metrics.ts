import { Gauge, type Registry } from 'prom-client';
import type { SharedRender } from './shared-render.js';

/**
 * The shared `seats` renders on /metrics, read at scrape time (nothing is
 * counted twice on the command path): renders made, renders shared, and
 * their cost, so the bench (and a technician) can see one table serving many.
 */
export function seatsRenderMetrics(registry: Registry, render: SharedRender): void {
  const g = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect(this: Gauge) { this.set(read()); } });
  g('purser_console_seats_renders', 'seats tables rendered by the console (one serves every session asking within the staleness bound)', () => render.stats.renders);
  g('purser_console_seats_shared', 'seats commands answered with an already rendered table', () => render.stats.hits);
  g('purser_console_seats_render_seconds', 'Time spent rendering seats tables, in all', () => render.stats.renderMicros / 1e6);
  g('purser_console_seats_render_max_seconds', 'The slowest one seats table render', () => render.stats.maxRenderMicros / 1e6);
}
