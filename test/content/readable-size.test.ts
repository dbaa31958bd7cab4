import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readableSize } from '../../src/content/errors.js';

test('sizes crew read: a small drive is never "0.00 GB"', () => {
  assert.equal(readableSize(0), '0 kB');
  assert.equal(readableSize(512), '1 kB');
  assert.equal(readableSize(3_145_729), '3.1 MB');
  assert.equal(readableSize(271_581_185), '272 MB');
  assert.equal(readableSize(1_500_000_000), '1.5 GB');
  assert.equal(readableSize(64_000_000_000), '64 GB');
});
