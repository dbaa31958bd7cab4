import { Counter, Histogram, type Registry } from 'prom-client';
import type { Observable } from 'rxjs';
import type { CabinEvent } from '../contract/events.js';
import './events.js';

/** Expired seqs remembered to count each once: the tracker keeps 500 commands, so more is never needed. */
const EXPIRED_MEMORY = 1000;

/**
 * Seat commands on the controller's /metrics, by command type (`seat.lock`,
 * `pa.begin`, ...: the protocol's fixed vocabulary, so few label values).
 * Read from the bus, so counting never touches the send path.
 */
export class CommandMetrics {
  readonly #sent: Counter<'type'>;
  readonly #delivered: Counter<'type'>;
  readonly #incomplete: Counter<'type'>;
  readonly #expired: Counter<'type'>;
  readonly #deliverySeconds: Histogram<'type'>;
  readonly #expiredSeqs = new Set<number>();

  constructor(registry: Registry, events$: Observable<CabinEvent>) {
    const registers = [registry];
    const labelNames = ['type'] as const;
    this.#sent = new Counter({ name: 'purser_commands_sent_total', help: 'Seat commands committed and sent, by command type', labelNames, registers });
    this.#delivered = new Counter({ name: 'purser_commands_delivered_total', help: 'Seat commands acknowledged by every targeted seat, by command type', labelNames, registers });
    this.#incomplete = new Counter({
      name: 'purser_commands_incomplete_total',
      help: 'Seat commands not acknowledged by every targeted seat within commands.deliveryTimeoutMs, by command type',
      labelNames,
      registers,
    });
    this.#expired = new Counter({ name: 'purser_commands_expired_total', help: 'Seat commands that expired before every targeted seat acknowledged them, by command type', labelNames, registers });
    this.#deliverySeconds = new Histogram({
      name: 'purser_command_delivery_seconds',
      help: 'From sending a command to the last targeted seat acknowledging it',
      labelNames,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60],
      registers,
    });
    events$.subscribe((ev) => this.#observe(ev));
  }

  #observe(ev: CabinEvent): void {
    switch (ev.type) {
      case 'command.sent':
        this.#sent.inc({ type: ev.cmd });
        return;
      case 'command.delivered':
        this.#delivered.inc({ type: ev.cmd });
        this.#deliverySeconds.observe({ type: ev.cmd }, ev.elapsedMs / 1000);
        return;
      case 'command.incomplete':
        this.#incomplete.inc({ type: ev.cmd });
        return;
      case 'command.progress': {
        // Expiry has no event of its own: the command's status turns `expired` in a progress event.
        const s = ev.status;
        if (s.state !== 'expired' || this.#expiredSeqs.has(s.seq)) return;
        this.#expiredSeqs.add(s.seq);
        if (this.#expiredSeqs.size > EXPIRED_MEMORY) this.#expiredSeqs.delete(this.#expiredSeqs.values().next().value!);
        this.#expired.inc({ type: s.cmd });
        return;
      }
      default:
    }
  }
}
