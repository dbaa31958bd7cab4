import type { CabinEvent } from '../contract/events.js';
import type { SeatRecord } from './seat-record.js';

/** A seat not heard from for this many poll intervals is offline (SEAT-PROTOCOL §1). */
export const OFFLINE_AFTER_INTERVALS = 3;

/** Pure: the offline transition for one seat at monotonic time `mono`, or null. */
export function checkOffline(rec: SeatRecord, mono: number, wall: number, pollIntervalMs: number): { next: SeatRecord; event: CabinEvent } | null {
  if (rec.snap.status !== 'online') return null;
  if (mono - rec.lastPollMono <= OFFLINE_AFTER_INTERVALS * pollIntervalMs) return null;
  return {
    next: { ...rec, snap: { ...rec.snap, status: 'offline' } },
    event: { type: 'seat.offline', seat: rec.snap.seat, at: wall, lastPollAt: rec.snap.lastPollAt },
  };
}
