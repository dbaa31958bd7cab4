import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, percentiles } from '../../../bench/lib/percentile.js';

test('nearest-rank percentiles of unsorted values', () => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(values, 50), 5);
  assert.equal(percentile(values, 90), 9);
  assert.equal(percentile(values, 99), 10);
  assert.equal(percentile(values, 0), 1);
  assert.deepEqual(values.slice(0, 3), [5, 1, 4], 'the input is left as it was');
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile(values, 101), RangeError);
});

test('several percentiles at once, from a typed array too', () => {
  assert.deepEqual(percentiles(Float64Array.from([3, 1, 2, 10]), [0, 50, 100]), [1, 2, 10]);
  assert.deepEqual(percentiles([], [50, 99]).map(Number.isNaN), [true, true]);
  assert.throws(() => percentiles([1], [50, -1]), RangeError);
});
