import { LOOP_LAG_SAMPLE_MS } from '../../src/contract/metrics.js';

/**
 * Samples from a Prometheus text exposition, keyed by series as written
 * (`name` or `name{label="v"}`). Comments and unparseable lines are skipped.
 */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (m && !Number.isNaN(Number(m[2]))) samples.set(m[1]!, Number(m[2]));
  }
  return samples;
}

/**
 * The controller's event-loop lag (`p99` or `max`) in ms from a scrape, null if
 * absent. prom-client's histogram counts the sampling period in: it is taken off.
 */
export function controllerLoopLagMs(samples: Map<string, number>, which: 'p99' | 'max'): number | null {
  const s = samples.get(`nodejs_eventloop_lag_${which}_seconds`);
  return s === undefined ? null : Math.max(0, s * 1000 - LOOP_LAG_SAMPLE_MS);
}

/** GET <base>/metrics, given up after `timeoutMs`. Note prom-client resets its event-loop-lag histogram on every scrape. */
export async function scrapeMetrics(baseUrl: string, timeoutMs = 10_000): Promise<Map<string, number>> {
  const res = await fetch(new URL('/metrics', baseUrl), { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
  return parseMetrics(await res.text());
}
