import type { PortHealth } from './types.js';

export interface HealthInput {
  open: boolean;
  resolvedPath: string | null;
  /** Why the port is not open (set by the supervisor). */
  downDetail: string;
  /** Monotonic ms of the last open and the last received byte (null: none yet). */
  openedAt: number | null;
  lastByteAt: number | null;
  silenceMs: number;
  now: number;
}

/**
 * Pure: the port's health from what the supervisor knows. Silence is counted
 * from the last byte, or from the open if no byte came since: a device that
 * never speaks after a reopen is as suspicious as one that went quiet.
 */
export function portHealth(h: HealthInput): { state: PortHealth; detail: string } {
  if (!h.open) return { state: 'down', detail: h.downDetail };
  if (h.silenceMs > 0) {
    const since = Math.max(h.lastByteAt ?? -Infinity, h.openedAt ?? -Infinity);
    const quietMs = h.now - since;
    if (Number.isFinite(quietMs) && quietMs > h.silenceMs) {
      return { state: 'degraded', detail: `no bytes for ${(quietMs / 1000).toFixed(1)} s (watchdog ${h.silenceMs} ms)` };
    }
  }
  return { state: 'ok', detail: `open ${h.resolvedPath ?? '?'}` };
}
