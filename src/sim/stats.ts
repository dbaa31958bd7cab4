import { createHistogram } from 'node:perf_hooks';

export interface LatencySummary {
  count: number;
  /** Milliseconds; null when nothing was answered. */
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface StatsSnapshot {
  /** Length of the window these counts cover. */
  elapsedMs: number;
  /** Polls put on the wire. */
  sent: number;
  /** Polls answered 200 with a well-formed body, and applied. */
  ok: number;
  /** Polls a seat lost on purpose (drop probability, silence). */
  dropped: number;
  /** Command datagram copies heard and verified (counted once per seat), and those a seat lost on purpose. */
  datagrams: { heard: number; lost: number };
  /** Sum of `errors`. */
  failed: number;
  /** Failed polls by kind: an HTTP status ("401"), "bad-response", or a socket error code ("ECONNRESET", "ETIMEDOUT"). */
  errors: Record<string, number>;
  /** Round trips of every answered poll, whatever its status. */
  latencyMs: LatencySummary;
}

/** Poll counters and a latency histogram over a window that `reset()` restarts. */
export class PollStats {
  #sent = 0;
  #ok = 0;
  #dropped = 0;
  #heard = 0;
  #lost = 0;
  #errors = new Map<string, number>();
  // HDR histogram in microseconds: constant memory and cost however many polls.
  #latency = createHistogram();
  #since: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.#since = now();
  }

  countSent(): void {
    this.#sent++;
  }
  countOk(): void {
    this.#ok++;
  }
  countDropped(): void {
    this.#dropped++;
  }
  countDatagramHeard(): void {
    this.#heard++;
  }
  countDatagramLost(): void {
    this.#lost++;
  }
  countError(kind: string): void {
    this.#errors.set(kind, (this.#errors.get(kind) ?? 0) + 1);
  }
  recordLatency(ms: number): void {
    this.#latency.record(Math.max(1, Math.round(ms * 1000)));
  }

  snapshot(): StatsSnapshot {
    const h = this.#latency;
    const ms = (us: number) => (h.count === 0 ? null : us / 1000);
    const errors = Object.fromEntries(this.#errors);
    return {
      elapsedMs: this.now() - this.#since,
      sent: this.#sent,
      ok: this.#ok,
      dropped: this.#dropped,
      datagrams: { heard: this.#heard, lost: this.#lost },
      failed: Object.values(errors).reduce((a, b) => a + b, 0),
      errors,
      latencyMs: { count: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
    };
  }

  reset(): void {
    this.#sent = this.#ok = this.#dropped = this.#heard = this.#lost = 0;
    this.#errors.clear();
    this.#latency.reset();
    this.#since = this.now();
  }
}
