import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopLag {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Measures this process's event-loop delay until stop(). A load generator
 * whose own loop lags reports that lag as server latency: check it.
 */
export function measureLoopLag(resolutionMs = 10): { stop(): LoopLag } {
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  return {
    stop() {
      h.disable();
      const ms = (ns: number) => ns / 1e6;
      return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
    },
  };
}
