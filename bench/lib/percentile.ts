/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  return percentiles(values, [p])[0]!;
}

/** Several nearest-rank percentiles of unsorted values, sorting once; NaN for each when there are none. */
export function percentiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  for (const p of ps) if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside 0..100`);
  // A typed array sorts numerically, and fast.
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => (sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!));
}
