import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { closeSeats, normalSeatId, orList } from '../../src/cli/seat-suggest.js';
import { lasting } from '../../src/cli/time-text.js';

/** A cabin of rows 1-30 without row 13, letters ABC DEF, and a business row 1-3 of AC DF. */
const SEATS = Array.from({ length: 30 }, (_, i) => i + 1)
  .filter((r) => r !== 13)
  .flatMap((r) => (r <= 3 ? ['A', 'C', 'D', 'F'] : ['A', 'B', 'C', 'D', 'E', 'F']).map((l) => `${r}${l}`));

describe('seats suggested for an id not in the layout', () => {
  it('the same seat written another way is that seat', () => {
    assert.deepEqual(closeSeats(' 12 a ', SEATS), ['12A']);
    assert.deepEqual(closeSeats('12-a', SEATS), ['12A']);
    assert.equal(normalSeatId('7 c'), '7C');
  });

  it('a letter the row lacks: that row, nearest letter first', () => {
    assert.deepEqual(closeSeats('12G', SEATS), ['12F', '12E', '12D', '12C']);
    assert.deepEqual(closeSeats('2B', SEATS), ['2A', '2C', '2D', '2F']);
    assert.deepEqual(closeSeats('12', SEATS), ['12A', '12B', '12C', '12D']);
  });

  it('a row that is not there (skipped, or past the last): that letter in the nearest rows', () => {
    assert.deepEqual(closeSeats('13C', SEATS), ['12C', '14C', '11C', '15C']);
    assert.deepEqual(closeSeats('99A', SEATS), ['30A', '29A', '28A', '27A']);
  });

  it('anything else: the seats a typo or two away, or none', () => {
    assert.deepEqual(closeSeats('1AA', SEATS).slice(0, 1), ['1A']);
    assert.deepEqual(closeSeats('banana', SEATS), []);
    assert.deepEqual(closeSeats('', SEATS).length <= 4, true);
  });

  it('never throws, and suggests only real seats, each once, at most four (fuzzed)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.stringMatching(/^\d{0,5}[A-Za-z]{0,3}$/)), (input) => {
        const near = closeSeats(input, SEATS);
        assert.ok(near.length <= 4);
        assert.equal(new Set(near).size, near.length);
        for (const s of near) assert.ok(SEATS.includes(s), s);
      }),
      { numRuns: 2000 },
    );
  });

  it('a real seat with its letter changed to one its row lacks is answered with seats of that row (fuzzed)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEATS), fc.constantFrom('G', 'H', 'K', 'Z'), (seat, letter) => {
        const row = seat.slice(0, -1);
        const near = closeSeats(`${row}${letter}`, SEATS);
        assert.ok(near.length > 0 && near.every((s) => s.slice(0, -1) === row), `${row}${letter}: ${near.join(',')}`);
      }),
    );
  });

  it('lists read as a sentence', () => {
    assert.equal(orList(['12A']), '12A');
    assert.equal(orList(['12A', '12B']), '12A or 12B');
    assert.equal(orList(['12A', '12B', '12C']), '12A, 12B or 12C');
  });
});

describe('durations for people', () => {
  it('reads seconds, minutes, hours and days', () => {
    assert.equal(lasting(25_400), '25 s');
    assert.equal(lasting(240_000), '4 min');
    assert.equal(lasting(3_900_000), '1 h 5 min');
    assert.equal(lasting(7_200_000), '2 h');
    assert.equal(lasting(3 * 86_400_000 + 2 * 3_600_000), '3 d 2 h');
    assert.equal(lasting(-5), '0 s', 'a clock a little behind is not a negative wait');
  });
});
