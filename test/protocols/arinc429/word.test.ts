import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeWord, encodeWord, labelFromOctal, labelToOctal, popcount32, reverseByte } from '../../../protocols/arinc429/word.js';

/**
 * Words copied from ARINC 429 Part 1 Table 6-2 "BNR data encoding examples",
 * as recreated verbatim (label in ARINC bit order) by Ballard/Astronics
 * BTI429 example EXAMP14.C. Each is [word, the label the table names].
 */
const TABLE_6_2: Array<[number, string]> = [
  [0x60000002, '100'],
  [0x6d550082, '101'],
  [0xea028042, '102'],
  [0x657e40c1, '203'],
  [0x634080a1, '205'],
  [0xe6a40061, '206'],
  [0x646a0011, '210'],
  [0x606800d1, '213'],
  [0x7f320091, '211'],
  [0x788e0051, '212'],
  [0xe73ea813, '310'],
  [0x7716c093, '311'],
  [0xe28a0053, '312'],
];

describe('ARINC 429 word', () => {
  it('reads the label of published example words through the bit reversal', () => {
    for (const [raw, label] of TABLE_6_2) {
      const w = decodeWord(raw);
      assert.equal(labelToOctal(w.label), label, raw.toString(16));
      // 203's example as transcribed has an even number of ones: its parity bit was left clear.
      assert.equal(w.parityOk, raw !== 0x657e40c1, `parity of ${raw.toString(16)}`);
      assert.equal(w.ssm, 0b11, 'every example is "normal operation"');
    }
  });

  it('puts label 203 in bits 1-8 as 0xC1 (MSB of the label in bit 1)', () => {
    const raw = encodeWord({ label: 0o203, sdi: 0, data: 0, ssm: 0 });
    assert.equal(raw & 0xff, 0xc1);
    assert.equal(reverseByte(0xc1), 0o203);
  });

  it('re-encodes published words bit for bit', () => {
    for (const [raw] of TABLE_6_2) {
      const w = decodeWord(raw);
      // encodeWord always writes a correct parity bit: the one even-parity example comes back with bit 32 set.
      assert.equal(encodeWord(w), w.parityOk ? raw : (raw ^ 0x80000000) >>> 0);
    }
  });

  it('sets odd parity and flags a flipped bit', () => {
    const raw = encodeWord({ label: 0o310, sdi: 1, data: 0x12345, ssm: 3 });
    assert.equal(popcount32(raw) % 2, 1);
    for (let bit = 0; bit < 32; bit++) assert.equal(decodeWord((raw ^ (1 << bit)) >>> 0).parityOk, false);
  });

  it('round-trips any fields', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0x7ffff }), fc.integer({ min: 0, max: 3 }), (label, sdi, data, ssm) => {
        const w = decodeWord(encodeWord({ label, sdi, data, ssm }));
        assert.deepEqual([w.label, w.sdi, w.data, w.ssm, w.parityOk], [label, sdi, data, ssm, true]);
      }),
    );
  });

  it('decodes any 32-bit number without throwing, and re-encodes its parity-correct self', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (raw) => {
        const w = decodeWord(raw);
        if (w.parityOk) assert.equal(encodeWord(w), raw >>> 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('spells labels in octal and refuses what is not a label', () => {
    assert.equal(labelFromOctal('203'), 0o203);
    assert.equal(labelToOctal(0o7), '007');
    for (const bad of ['', '8', '400', '1234', '__proto__', 'constructor', '-1']) assert.equal(labelFromOctal(bad), null, bad);
  });
});
