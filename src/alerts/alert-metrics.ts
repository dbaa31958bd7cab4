import { Counter, Gauge, type Registry } from 'prom-client';
import type { Alert, AlertChange, AlertKind } from './alert.js';

/** Kinds exported (at 0) from the first scrape; a kind not listed here still shows once an alert of it opens. */
const KINDS: readonly AlertKind[] = ['call', 'offline', 'fault', 'flapping', 'move', 'rollout', 'usb', 'system'];

/** The alert book on the controller's /metrics: what was raised and acknowledged, and what is open now, by kind. */
export class AlertMetrics {
  readonly #raised: Counter<'kind'>;
  readonly #acked: Counter<'kind'>;
  readonly #closed: Counter<'kind' | 'reason'>;

  constructor(registry: Registry, open: () => readonly Alert[]) {
    const registers = [registry];
    this.#raised = new Counter({ name: 'purser_alerts_raised_total', help: 'Alerts opened, by kind', labelNames: ['kind'] as const, registers });
    this.#acked = new Counter({ name: 'purser_alerts_acknowledged_total', help: 'Alerts acknowledged by the crew, by kind', labelNames: ['kind'] as const, registers });
    this.#closed = new Counter({
      name: 'purser_alerts_closed_total',
      help: 'Alerts closed, by kind and reason (cleared: by the crew; resolved: the condition went away)',
      labelNames: ['kind', 'reason'] as const,
      registers,
    });
    for (const kind of KINDS) {
      this.#raised.inc({ kind }, 0);
      this.#acked.inc({ kind }, 0);
    }
    new Gauge({
      name: 'purser_alerts_open',
      help: 'Alerts open now, by kind',
      labelNames: ['kind'] as const,
      registers,
      // Counted from the book at each scrape: right after a restart too, when the book is loaded rather than raised.
      collect() {
        const counts = new Map<string, number>(KINDS.map((k) => [k, 0]));
        for (const a of open()) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
        this.reset();
        for (const [kind, n] of counts) this.set({ kind }, n);
      },
    });
  }

  observe(c: AlertChange): void {
    const kind = c.alert.kind;
    if (c.op === 'open') this.#raised.inc({ kind });
    else if (c.op === 'ack') this.#acked.inc({ kind });
    else this.#closed.inc({ kind, reason: c.reason });
  }
}
