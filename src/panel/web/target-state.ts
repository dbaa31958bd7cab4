import { newestReaching } from './standing.js';
import type { CommandStatus, SeatSummary } from './wire.js';

/**
 * What the seats of a target are doing now, for the dialogs that act on them:
 * the Lock dialog offers what applies, the media dialog says what it will stop.
 */

/**
 * Is this seat locked? What it reports, unless something that outranks a lock
 * on its screen (a PA, the safety video) or no report at all hides it: then the
 * newest lock or unlock that reached it.
 */
export function seatLocked(id: string, summary: SeatSummary | undefined, commands: readonly CommandStatus[]): boolean {
  const media = summary?.media ?? null;
  if (media === 'locked') return true;
  if (media !== null && media !== 'pa' && media !== 'safety') return false;
  return newestReaching(commands, 'lock', id, summary?.zone)?.cmd === 'seat.lock';
}

export interface LockChoice {
  total: number;
  locked: number;
  /** Lock when none is locked, Unlock when all are, both when mixed. */
  offer: 'lock' | 'unlock' | 'both';
}

export function lockChoice(ids: readonly string[], seats: ReadonlyMap<string, SeatSummary>, commands: readonly CommandStatus[]): LockChoice {
  let locked = 0;
  for (const id of ids) if (seatLocked(id, seats.get(id), commands)) locked++;
  const total = ids.length;
  return { total, locked, offer: locked === 0 ? 'lock' : locked === total ? 'unlock' : 'both' };
}

const seatsWord = (n: number) => (n === 1 ? '1 seat' : `${n} seats`);

/** "None of the 30 seats is locked.", "All 30 seats are locked.", "12 of 300 seats are locked." */
export function lockText(c: LockChoice): string {
  if (c.total === 1) return c.locked ? 'This seat is locked.' : 'This seat is not locked.';
  if (c.locked === 0) return `None of the ${seatsWord(c.total)} is locked.`;
  if (c.locked === c.total) return `All ${seatsWord(c.total)} are locked.`;
  return `${c.locked} of ${seatsWord(c.total)} ${c.locked === 1 ? 'is' : 'are'} locked.`;
}

/** How many of the target's screens are playing and paused now, by what they report. */
export function mediaCounts(ids: readonly string[], seats: ReadonlyMap<string, SeatSummary>): { playing: number; paused: number } {
  let playing = 0;
  let paused = 0;
  for (const id of ids) {
    const m = seats.get(id)?.media;
    if (m === 'playing') playing++;
    else if (m === 'paused') paused++;
  }
  return { playing, paused };
}

/** "142 screens playing · 58 paused". */
export function mediaText(c: { playing: number; paused: number }): string {
  return `${c.playing === 1 ? '1 screen' : `${c.playing} screens`} playing · ${c.paused} paused`;
}
