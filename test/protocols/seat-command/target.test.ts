import assert from 'node:assert/strict';
import { it } from 'node:test';
import { targetLayoutErrors, targets } from '../../../protocols/seat-command/target.js';

const seat12A = { id: '12A', zone: 'Y' };

it('all targets every seat; zones and seats target only those listed', () => {
  assert.equal(targets({ all: true }, seat12A), true);
  assert.equal(targets({ zones: ['J', 'Y'] }, seat12A), true);
  assert.equal(targets({ zones: ['J'] }, seat12A), false);
  assert.equal(targets({ seats: ['12B', '12A'] }, seat12A), true);
  assert.equal(targets({ seats: ['12B'] }, seat12A), false);
  // A seat list names seats, never zones, and the reverse.
  assert.equal(targets({ seats: ['Y'] }, seat12A), false);
  assert.equal(targets({ zones: ['12A'] }, seat12A), false);
});

it('names each seat or zone the layout does not have', () => {
  const layout = { isSeat: (id: string) => /^([1-9]|[1-4][0-9]|50)[A-F]$/.test(id), isZone: (z: string) => z === 'J' || z === 'Y' };
  assert.deepEqual(targetLayoutErrors({ all: true }, layout), []);
  assert.deepEqual(targetLayoutErrors({ seats: ['12A', '51A', '3G'] }, layout), [
    { field: 'target.seats[1]', message: 'unknown seat "51A"' },
    { field: 'target.seats[2]', message: 'unknown seat "3G"' },
  ]);
  assert.deepEqual(targetLayoutErrors({ zones: ['J', 'F'] }, layout), [{ field: 'target.zones[1]', message: 'unknown zone "F"' }]);
});
