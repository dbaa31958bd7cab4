import { useEffect, useState } from 'preact/hooks';

/** "0:42", "3:07", "1:02:09": how long a passenger has waited, read at a glance. */
export function waited(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "just now", "12 s ago", "4 min ago", "2 h ago". */
export function ago(at: number | null, now: number): string {
  if (at === null) return 'never';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 2) return 'just now';
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** "14:05:09" in the panel's local time. */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** "+1.2 s", "−350 ms", "in sync". */
export function skew(ms: number | null): string {
  if (ms === null) return 'unknown';
  if (Math.abs(ms) < 250) return 'in sync';
  const sign = ms > 0 ? '+' : '−';
  const a = Math.abs(ms);
  return a < 1000 ? `${sign}${Math.round(a)} ms` : a < 120_000 ? `${sign}${(a / 1000).toFixed(1)} s` : `${sign}${Math.round(a / 60_000)} min`;
}

/** The controller's time now (our clock corrected by the measured offset), re-rendering every `everyMs`. */
export function useNow(offsetMs: number, everyMs = 1000): number {
  const [now, set] = useState(() => Date.now() + offsetMs);
  useEffect(() => {
    set(Date.now() + offsetMs);
    const t = setInterval(() => set(Date.now() + offsetMs), everyMs);
    return () => clearInterval(t);
  }, [offsetMs, everyMs]);
  return now;
}
