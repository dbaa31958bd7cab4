import { distance } from './suggest.js';

/** Seat ids near one that is not in the layout, for "did you mean": a mistyped letter, a skipped row, a stray space. */

const SEAT_ID = /^(\d{1,4})([A-Z]{0,2})$/;

/** "12 a", "12-A", " 12a " all mean 12A. */
export function normalSeatId(input: string): string {
  return input.toUpperCase().replace(/[\s\-_.]+/g, '');
}

function split(id: string): { row: number; letter: string } | undefined {
  const m = SEAT_ID.exec(id);
  return m ? { row: Number(m[1]), letter: m[2]! } : undefined;
}


/**
 * Up to `max` seats of `seats` close to `input`, closest first:
 * - the same seat written another way ("12 a") alone;
 * - a row that exists with a letter it lacks ("12G"): that row's seats, nearest letter first;
 * - a row that does not exist ("13A", a skipped row): that letter in the nearest rows;
 * - else the seats one or two typos away.
 * Never throws; returns only ids from `seats`.
 */
export function closeSeats(input: string, seats: readonly string[], max = 4): string[] {
  const id = normalSeatId(input.slice(0, 64));
  if (seats.includes(id)) return [id];
  const want = split(id);
  const parsed = seats.flatMap((s) => {
    const p = split(s);
    return p ? [{ id: s, ...p }] : [];
  });
  if (want) {
    const sameRow = parsed.filter((s) => s.row === want.row);
    if (sameRow.length > 0) {
      const gap = (l: string) => (want.letter ? Math.abs(l.charCodeAt(0) - want.letter.charCodeAt(0)) : 0);
      return sameRow.sort((a, b) => gap(a.letter) - gap(b.letter) || a.letter.localeCompare(b.letter)).slice(0, max).map((s) => s.id);
    }
    const sameLetter = parsed.filter((s) => s.letter === want.letter);
    if (sameLetter.length > 0) {
      return sameLetter.sort((a, b) => Math.abs(a.row - want.row) - Math.abs(b.row - want.row) || a.row - b.row).slice(0, max).map((s) => s.id);
    }
  }
  return seats
    .map((s) => ({ s, d: distance(id, s) }))
    .filter((x) => x.d <= Math.max(1, Math.min(2, Math.floor(id.length / 2))))
    .sort((a, b) => a.d - b.d || a.s.localeCompare(b.s, 'en', { numeric: true }))
    .slice(0, max)
    .map((x) => x.s);
}

/** "12A", "12A or 12B", "12A, 12B or 12C". */
export function orList(ids: readonly string[]): string {
  return ids.length <= 1 ? (ids[0] ?? '') : `${ids.slice(0, -1).join(', ')} or ${ids.at(-1)}`;
}
