import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MULAW_TO_LINEAR, linearToMulaw } from '../../../protocols/rtp/g711.js';

test('decodes the G.711 µ-law reference points', () => {
  assert.equal(MULAW_TO_LINEAR[0xff], 0);
  assert.equal(MULAW_TO_LINEAR[0x7f], 0);
  assert.equal(MULAW_TO_LINEAR[0x00], -32124);
  assert.equal(MULAW_TO_LINEAR[0x80], 32124);
  assert.equal(MULAW_TO_LINEAR[0xfe], 8); // the smallest step
  assert.equal(MULAW_TO_LINEAR[0x7e], -8);
});

test('encoding a decoded code gives the code back (µ-law negative zero aside)', () => {
  for (let code = 0; code < 256; code++) {
    if (code === 0x7f) continue;
    assert.equal(linearToMulaw(MULAW_TO_LINEAR[code]!), code, `code 0x${code.toString(16)}`);
  }
});

test('encode then decode stays within one quantisation step of the sample', () => {
  fc.assert(
    fc.property(fc.integer({ min: -32124, max: 32124 }), (sample) => {
      const decoded = MULAW_TO_LINEAR[linearToMulaw(sample)]!;
      // Steps double per segment: 8 in the finest, 1024 in the coarsest.
      const step = Math.max(8, 2 ** Math.floor(Math.log2(Math.abs(sample) + 132)) / 16);
      assert.ok(Math.abs(decoded - sample) <= step, `${sample} -> ${decoded}`);
    }),
    { numRuns: 5000 },
  );
});
