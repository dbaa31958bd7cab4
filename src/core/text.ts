/** Text for people at a terminal (the CLI and the SSH console). */

/** "3 s ago", "2 min ago": relative to now, for a technician at a terminal. */
export function ago(at: number | null, now = Date.now()): string {
  if (at === null) return 'never';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}
