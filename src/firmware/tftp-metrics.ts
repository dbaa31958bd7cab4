import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TftpEvent, TftpStats } from '../../protocols/tftp/events.js';

/** The TFTP server's transfers on the controller's /metrics. */
export class TftpMetrics {
  readonly #transfers: Counter<'outcome'>;
  readonly #refused: Counter;
  readonly #bytes: Counter;
  readonly #retransmits: Counter;
  readonly #seconds: Histogram;

  constructor(registry: Registry, stats: () => TftpStats | undefined) {
    const registers = [registry];
    this.#transfers = new Counter({ name: 'purser_tftp_transfers_total', help: 'TFTP transfers ended, by outcome', labelNames: ['outcome'] as const, registers });
    this.#refused = new Counter({ name: 'purser_tftp_refused_total', help: 'TFTP requests refused before a transfer began (unknown, quarantined, busy, ...)', registers });
    this.#bytes = new Counter({ name: 'purser_tftp_bytes_total', help: 'Image bytes acknowledged by seats', registers });
    this.#retransmits = new Counter({ name: 'purser_tftp_retransmits_total', help: 'DATA and OACK packets sent more than once', registers });
    this.#seconds = new Histogram({
      name: 'purser_tftp_transfer_seconds',
      help: 'Duration of completed TFTP transfers',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    new Gauge({
      name: 'purser_tftp_active_transfers',
      help: 'TFTP transfers in progress',
      registers,
      collect() {
        this.set(stats()?.active ?? 0);
      },
    });
  }

  observe(e: TftpEvent): void {
    if (e.type === 'started') return;
    if (e.type === 'refused') return this.#refused.inc();
    this.#transfers.inc({ outcome: e.outcome });
    this.#bytes.inc(e.bytes);
    this.#retransmits.inc(e.retransmits);
    if (e.type === 'completed') this.#seconds.observe(e.durationMs / 1000);
  }
}
