import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The controller's Prometheus metrics (GET /metrics). One registry per controller instance. */
export class Metrics {
  readonly registry = new Registry();
  readonly polls = new Counter({ name: 'purser_seat_polls_total', help: 'Seat polls by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly errors = new Counter({ name: 'purser_http_errors_total', help: 'HTTP error answers by error code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly seatsOnline = new Gauge({ name: 'purser_seats_online', help: 'Seats that polled within 3 intervals', registers: [this.registry] });
  readonly seatsTotal = new Gauge({ name: 'purser_seats_total', help: 'Seats in the layout', registers: [this.registry] });
  readonly pollDuration = new Histogram({
    name: 'purser_seat_poll_duration_seconds',
    help: 'Time to handle one seat poll, from request to reply',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    registers: [this.registry],
  });
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

  constructor() {
    // Includes nodejs_eventloop_lag_* from monitorEventLoopDelay.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }
}
