/**
 * HTTP Range (RFC 9110 section 14) for one representation of `size` bytes:
 * a single `bytes=` range is served (206); a syntactically valid range set
 * that overlaps nothing is 416; anything we do not serve (multiple ranges,
 * another unit, malformed text) is ignored, so the whole file is sent (200),
 * as section 14.2 allows. Pure; never throws.
 */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SPEC = /^(\d{1,16})?-(\d{1,16})?$/;

export function decideRange(header: unknown, size: number): RangeDecision {
  if (typeof header !== 'string') return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!m) return { kind: 'full' };
  const specs = m[1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (specs.length === 0) return { kind: 'full' };
  const ranges: { start: number; end: number }[] = [];
  let satisfiable = false;
  for (const spec of specs) {
    const r = SPEC.exec(spec);
    if (!r || (r[1] === undefined && r[2] === undefined)) return { kind: 'full' };
    if (r[1] === undefined) {
      // suffix: the last N bytes
      const n = Number(r[2]);
      if (n === 0) continue;
      if (size > 0) satisfiable = true;
      ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const start = Number(r[1]);
    // An explicit last before the first is invalid (the header is ignored); a first at or past the end overlaps nothing.
    if (r[2] !== undefined && Number(r[2]) < start) return { kind: 'full' };
    if (start >= size) continue;
    satisfiable = true;
    ranges.push({ start, end: Math.min(r[2] === undefined ? size - 1 : Number(r[2]), size - 1) });
  }
  if (!satisfiable) return { kind: 'unsatisfiable' };
  if (ranges.length !== 1) return { kind: 'full' };
  return { kind: 'partial', start: ranges[0]!.start, end: ranges[0]!.end };
}

/** Strong comparison of an ETag against an If-None-Match / If-Range style list. */
export function etagMatches(header: unknown, etag: string, { weakOk = false } = {}): boolean {
  if (typeof header !== 'string') return false;
  if (header.trim() === '*') return true;
  for (const raw of header.split(',')) {
    let t = raw.trim();
    if (t.startsWith('W/')) {
      if (!weakOk) continue;
      t = t.slice(2);
    }
    if (t === etag) return true;
  }
  return false;
}
