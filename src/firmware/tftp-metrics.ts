import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { TftpEvent } from '../../protocols/tftp/events.js';

/** The TFTP server's transfers on the controller's /metrics. */
export class TftpMetrics {
  readonly #transfers: Counter<'outcome'>;
  readonly #refused: Counter;
  readonly #bytes: Counter;
  readonly #retransmits: Counter;
  readonly #probes: Counter;
  readonly #busyPoll: Counter;
  readonly #seconds: Histogram;

  /** Transfers started and not yet ended, from the events (the server runs on another thread). */
  #active = 0;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#transfers = new Counter({ name: 'purser_tftp_transfers_total', help: 'TFTP transfers ended, by outcome', labelNames: ['outcome'] as const, registers });
    this.#refused = new Counter({ name: 'purser_tftp_refused_total', help: 'TFTP requests refused before a transfer began (unknown, quarantined, busy, ...)', registers });
    this.#bytes = new Counter({ name: 'purser_tftp_bytes_total', help: 'Image bytes acknowledged by seats', registers });
    this.#retransmits = new Counter({ name: 'purser_tftp_retransmits_total', help: 'DATA and OACK packets sent more than once, after a timeout or a seat reporting a gap', registers });
    this.#probes = new Counter({ name: 'purser_tftp_tail_probes_total', help: "A window's last block sent again because the window's ACK was overdue", registers });
    this.#busyPoll = new Counter({
      name: 'purser_tftp_busy_poll_seconds_total',
      help: 'Time the TFTP thread spent polling for ACKs instead of sleeping: CPU traded for round trips (tftp.busyPollUs)',
      registers,
    });
    this.#seconds = new Histogram({
      name: 'purser_tftp_transfer_seconds',
      help: 'Duration of completed TFTP transfers',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    const active = () => this.#active;
    new Gauge({
      name: 'purser_tftp_active_transfers',
      help: 'TFTP transfers in progress',
      registers,
      collect() {
        this.set(active());
      },
    });
  }

  busyPolled(ms: number): void {
    this.#busyPoll.inc(ms / 1000);
  }

  /** The server went away with its transfers: none is active any more. */
  serverGone(): void {
    this.#active = 0;
  }

  observe(e: TftpEvent): void {
    if (e.type === 'started') {
      this.#active++;
      return;
    }
    if (e.type === 'refused') return this.#refused.inc();
    this.#active--;
    this.#transfers.inc({ outcome: e.outcome });
    this.#bytes.inc(e.bytes);
    this.#retransmits.inc(e.retransmits);
    this.#probes.inc(e.probes);
    if (e.type === 'completed') this.#seconds.observe(e.durationMs / 1000);
  }
}
