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

/** GET <base>/metrics. Note prom-client resets its event-loop-lag histogram on every scrape. */
export async function scrapeMetrics(baseUrl: string): Promise<Map<string, number>> {
  const res = await fetch(new URL('/metrics', baseUrl));
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
  return parseMetrics(await res.text());
}
