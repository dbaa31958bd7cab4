import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * How often the event-loop lag is sampled. Every sample wakes the process: at
 * 10 ms the sampler alone was a third of an idle controller's CPU; a stall
 * longer than this period is still caught whole.
 */
export const LOOP_LAG_SAMPLE_MS = 20;

/** The controller's Prometheus metrics (GET /metrics). One registry per controller instance. */
export class Metrics {
  readonly registry = new Registry();
  readonly polls: Counter<'outcome'> = new Counter({
    name: 'purser_seat_polls_total',
    help: 'Seat polls by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
    collect: (): void => this.pollMeter.drain(),
  });
  readonly idempotency = new Counter({
    name: 'purser_idempotency_total',
    help: 'Idempotency-Keys on acting routes by outcome (stored, released, replayed, reused, in_flight, in_doubt)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({ name: 'purser_http_errors_total', help: 'HTTP error answers by error code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly seatsOnline = new Gauge({ name: 'purser_seats_online', help: 'Seats that polled within 3 intervals', registers: [this.registry] });
  readonly seatsTotal = new Gauge({ name: 'purser_seats_total', help: 'Seats in the layout', registers: [this.registry] });
  readonly pollDuration: Histogram = new Histogram({
    name: 'purser_seat_poll_duration_seconds',
    help: 'Time to handle one seat poll, from request to reply',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    registers: [this.registry],
    collect: (): void => this.pollMeter.drain(),
  });
  /** Count polls and their durations here, not on `polls` and `pollDuration` directly. */
  readonly pollMeter: PollMeter = new PollMeter(this.polls, this.pollDuration);
  readonly cabinEvents = new Counter({ name: 'purser_cabin_events_total', help: 'Cabin events by type', labelNames: ['type'] as const, registers: [this.registry] });
  readonly storeFlushSeconds = new Histogram({
    name: 'purser_store_flush_seconds',
    help: 'Duration of one write-behind transaction',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly storeRowsWritten = new Counter({
    name: 'purser_store_rows_written_total',
    help: 'Rows committed by the write-behind store, by table (seats: snapshots; events: history)',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  readonly sseClients = new Gauge({ name: 'purser_sse_clients', help: 'Clients on the live event stream', registers: [this.registry] });
  readonly sseDropped = new Counter({ name: 'purser_sse_dropped_total', help: 'Live-stream clients dropped, by reason', labelNames: ['reason'] as const, registers: [this.registry] });

  constructor() {
    // Includes nodejs_eventloop_lag_* from monitorEventLoopDelay.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: LOOP_LAG_SAMPLE_MS });
  }
}

export type PollOutcome = 'ok' | 'stale' | 'unauthorized' | 'unknown_seat';

/**
 * Every poll's outcome and duration, tallied in plain numbers and handed to
 * prom-client in batches: every 256 polls and before each read of the two
 * metrics (a scrape). prom-client's labelled inc() and observe() hash and
 * validate labels on each call, which on the poll path costs more than the
 * tally; a scrape sees the same totals.
 */
export class PollMeter {
  readonly #outcomes = new Map<PollOutcome, number>();
  readonly #durations = new Float64Array(256);
  #n = 0;

  constructor(
    private readonly polls: Counter<'outcome'>,
    private readonly duration: Histogram,
  ) {}

  count(outcome: PollOutcome): void {
    this.#outcomes.set(outcome, (this.#outcomes.get(outcome) ?? 0) + 1);
  }

  observe(seconds: number): void {
    this.#durations[this.#n++] = seconds;
    if (this.#n === this.#durations.length) this.drain();
  }

  /** Hands the tallies to prom-client. */
  drain(): void {
    for (const [outcome, n] of this.#outcomes) this.polls.inc({ outcome }, n);
    this.#outcomes.clear();
    for (let i = 0; i < this.#n; i++) this.duration.observe(this.#durations[i]!);
    this.#n = 0;
  }
}
