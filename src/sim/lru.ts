import type { LruInfo } from '../../protocols/seat-poll/types.js';

/** Spare units (used by LRU swaps) are numbered from here, clear of any seat's own unit. */
export const SPARE_UNIT_BASE = 900_001;

/**
 * The identity of simulated unit number `n`: serial GP3-000123, and a locally
 * administered MAC (02:00:00:…) carrying the same number, so both are stable across runs.
 */
export function lruFor(n: number): LruInfo {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffff) throw new RangeError(`unit number ${n} is outside 1..16777215`);
  const bytes = [n >>> 16, (n >>> 8) & 0xff, n & 0xff].map((b) => b.toString(16).padStart(2, '0'));
  return {
    serial: `GP3-${String(n).padStart(6, '0')}`,
    model: 'gp3',
    firmware: '2.4.1',
    mac: `02:00:00:${bytes.join(':')}`,
  };
}
