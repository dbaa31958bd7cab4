import type { TftpFetchResult } from './tftp-client.js';

export interface FirmwareStatsSnapshot {
  /** Updates begun (a command superseding one in progress begins another). */
  attempts: number;
  /** Seats that rebooted into the new version. */
  flashed: number;
  /** Attempts that ended in a reported failure, by the kind of failure. */
  failed: Record<string, number>;
  downloads: {
    completed: number;
    failed: number;
    bytes: number;
    /** Packets seats sent again (after a silence or a gap): the link's trouble as seats saw it. */
    resent: number;
    /** Milliseconds per completed download; null before the first. */
    p50Ms: number | null;
    p99Ms: number | null;
    maxMs: number | null;
  };
}

/** Counters over a simulator's firmware updates, for tests and the rollout benchmark. */
export class FirmwareStats {
  #attempts = 0;
  #flashed = 0;
  #failed = new Map<string, number>();
  #downloadsFailed = 0;
  #bytes = 0;
  #resent = 0;
  #durations: number[] = [];

  attempt(): void {
    this.#attempts++;
  }
  flashed(): void {
    this.#flashed++;
  }
  failed(kind: string): void {
    this.#failed.set(kind, (this.#failed.get(kind) ?? 0) + 1);
  }
  downloaded(r: TftpFetchResult): void {
    this.#bytes += r.bytes;
    this.#resent += r.resent;
    this.#durations.push(r.durationMs);
  }
  downloadFailed(): void {
    this.#downloadsFailed++;
  }

  snapshot(): FirmwareStatsSnapshot {
    const sorted = [...this.#durations].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
    return {
      attempts: this.#attempts,
      flashed: this.#flashed,
      failed: Object.fromEntries(this.#failed),
      downloads: { completed: sorted.length, failed: this.#downloadsFailed, bytes: this.#bytes, resent: this.#resent, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? null },
    };
  }
}
