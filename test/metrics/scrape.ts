/** One scrape of GET /metrics, read the way Prometheus would: series by name and labels. */
export interface Scrape {
  /** The value of the series with exactly these labels; undefined when it is not exported. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  text: string;
}

const SERIES = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  if (!/^text\/plain/.test(res.headers.get('content-type') ?? '')) throw new Error(`/metrics is ${res.headers.get('content-type')}, not the Prometheus text format`);
  const text = await res.text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SERIES.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(LABEL)].map(([, k, v]) => `${k}=${v}`).sort();
    series.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return {
    text,
    value(name, labels = {}) {
      const key = Object.entries(labels).map(([k, v]) => `${k}=${v}`).sort();
      return series.get(`${name}{${key.join(',')}}`);
    },
  };
}
