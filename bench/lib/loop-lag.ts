import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopLag {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Measures this process's event-loop lag until stop(). A load generator whose
 * own loop lags reports that lag as server latency: check it.
 *
 * Node's histogram records the whole period between its timer's callbacks;
 * the figures here are the lag beyond the `resolutionMs` period.
 */
export function measureLoopLag(resolutionMs = 10): { stop(): LoopLag } {
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  return {
    stop() {
      h.disable();
      const lag = (ns: number) => Math.max(0, ns / 1e6 - resolutionMs);
      return { p50Ms: lag(h.percentile(50)), p99Ms: lag(h.percentile(99)), maxMs: lag(h.max) };
    },
  };
}
