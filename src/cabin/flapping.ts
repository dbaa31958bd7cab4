/** An input that toggles more than this many times in the window is broken (INPUT_FLAPPING). */
export const FLAP_MAX_EDGES = 20;
export const FLAP_WINDOW_MS = 60_000;

/**
 * How many edges a poll proves, from the previous and current report. A 1 Hz
 * poll cannot see every toggle, but sinceMs shorter than the poll gap with an
 * unchanged value proves at least two.
 */
export function edgesSeen(prevOn: boolean | undefined, on: boolean, sinceMs: number, gapMs: number): number {
  if (prevOn === undefined) return 0;
  if (prevOn !== on) return 1;
  return sinceMs < gapMs ? 2 : 0;
}

/** Drops edges older than the window and appends `count` new ones at `now`. Pure: `edges` itself when nothing changes. */
export function recordEdges(edges: readonly number[], count: number, now: number, windowMs = FLAP_WINDOW_MS): readonly number[] {
  // Edges are in time order: if the oldest is in the window, all are.
  if (count === 0 && (edges.length === 0 || now - edges[0]! < windowMs)) return edges;
  const kept = edges.filter((t) => now - t < windowMs);
  for (let i = 0; i < count; i++) kept.push(now);
  return kept;
}

export function isFlapping(edges: readonly number[]): boolean {
  return edges.length > FLAP_MAX_EDGES;
}
