/**
 * Seat ids of a simulated cabin: the built-in layout's rows 1-50 of letters A-F,
 * continued past row 50 (51A, 51B, ...) so a benchmark can ramp beyond 300 seats.
 */
export const LETTERS = 'ABCDEF';
export const DEFAULT_SEATS = 300;
/** Seat ids allow three-digit rows (SEAT_ID_PATTERN), so row 999 is the last. */
export const MAX_SEATS = 999 * LETTERS.length;

/** The seat id at a 0-based row-major index: 0 → "1A", 6 → "2A". */
export function seatIdAt(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_SEATS) {
    throw new RangeError(`seat index ${index} is outside 0..${MAX_SEATS - 1}`);
  }
  return `${Math.floor(index / LETTERS.length) + 1}${LETTERS[index % LETTERS.length]}`;
}
