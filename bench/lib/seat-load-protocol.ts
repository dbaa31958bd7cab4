// What SeatLoad (bench/lib/seat-load.ts) and its seat processes
// (seat-load-worker.ts) say to each other, and the seat behaviour both sides
// must agree on. The messages go over Node's IPC channel with `advanced`
// serialization, so a Float64Array of latencies crosses as it is.
import type { ContentStats } from '../../src/sim/content/content-seat.js';

export type ToWorker =
  | { type: 'init'; controller: string; secretHex: string; localAddress: string; legacyPoll: boolean; requestTimeoutMs: number; rawConnections: boolean }
  /** Seats to add and start: their ids and their 0-based places in the whole cabin. */
  | { type: 'add'; seats: { id: string; index: number }[] }
  /**
   * Gives every seat of the share a content library (src/sim/content/), so it answers content.sync by fetching
   * over HTTP Range; each seat's next sync is cut `disconnects` times. Seats added later get none.
   */
  | { type: 'content'; disconnects: number; /** If set, a content.sync for any other catalog version is rejected. */ only?: string }
  /** Starts a measurement window. */
  | { type: 'reset' }
  /** Ends the window and reports it. */
  | { type: 'report' }
  | { type: 'stop' };

export interface ShareReport {
  type: 'report';
  seats: number;
  /** Seats whose next poll carries a nonce (poll v1.1): 0 against a controller that hands none out. */
  withNonce: number;
  elapsedMs: number;
  sent: number;
  ok: number;
  errors: Record<string, number>;
  /** Every answered poll's round trip in the window. */
  latenciesMs: Float64Array;
  /** This process's own event-loop lag over the window, and the share of the window its loop was busy (0..1). */
  loopLag: { p99Ms: number; maxMs: number };
  loopUtilization: number;
  /** The share's content figures since 'content' (not reset by a window), absent before it. */
  content?: ContentStats;
  /** Seats of the share whose content is ready at each version. */
  contentReady?: Record<string, number>;
}

export type ToParent =
  | { type: 'ready' }
  | { type: 'added'; seats: number }
  | { type: 'reset' }
  | { type: 'content-on' }
  | ShareReport
  | { type: 'stopped' }
  | { type: 'error'; message: string };

// Golden-ratio phases spread any number of seats evenly over the interval, and keep doing so as seats are added
// (as src/sim/simulator.ts does: the same cabin, split over processes, polls on the same grid).
const GOLDEN = (Math.sqrt(5) - 1) / 2;
export const phaseOf = (index: number): number => (index * GOLDEN) % 1;

/** Two in three passengers are watching something, each at a different point (as src/sim/simulator.ts seats them). */
export function passengerPlayback(index: number): { item: string; positionMs: number } | undefined {
  return index % 3 === 2 ? undefined : { item: `movie-${(index % 40) + 1}`, positionMs: (index * 7919) % 3_600_000 };
}
