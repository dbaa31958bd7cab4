import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_LABELS, labelTable, type BcdLabel, type BnrLabel, type Iso5Label, type LabelSpec } from '../../../protocols/arinc429/labels.js';
import { decodeParameter, encodeBcd, encodeBnr, encodeByKey, encodeIso5, type ParameterResult } from '../../../protocols/arinc429/parameter.js';
import { encodeWord } from '../../../protocols/arinc429/word.js';

const table = labelTable();
const spec = <T extends LabelSpec>(label: number): T => table.get(label) as T;

function value(r: ParameterResult): number {
  assert.ok(r.ok, r.ok ? '' : `refused: ${r.reason}`);
  assert.ok(r.parameter.format === 'BNR' || r.parameter.format === 'BCD');
  return r.parameter.value;
}

describe('ARINC 429 label table', () => {
  it('keeps resolution = range / 2^sigBits for every BNR label, and cites a source for every label', () => {
    for (const s of DEFAULT_LABELS) {
      assert.ok(s.source.length > 10, `label ${s.label.toString(8)} has a source`);
      if (s.format === 'BNR') assert.equal(s.resolution, s.range / 2 ** s.sigBits);
    }
    assert.equal(spec<BnrLabel>(0o203).resolution, 1); // 1 ft, as the MK VIII guide gives it
    assert.ok(Math.abs(spec<BnrLabel>(0o310).resolution - 0.000172) < 1e-6); // 0.000172 deg, as Part 1 gives it
  });

  it('refuses a table with a label twice', () => {
    assert.throws(() => labelTable([...DEFAULT_LABELS, DEFAULT_LABELS[0]!]), /twice/);
  });
});

describe('ARINC 429 BNR', () => {
  it('decodes the Table 6-2 example words to the round figures of the table', () => {
    // Figures are what the example words hold at the resolutions of the label table: round values, as examples are.
    // 203's example was transcribed with its parity bit clear (even parity): refused as such, and 45,000 ft once set.
    const r203 = decodeParameter(0x657e40c1, table);
    assert.ok(!r203.ok && r203.reason === 'bad-parity');
    assert.equal(value(decodeParameter(0xe57e40c1, table)), 45000); // 203 pressure altitude, ft
    assert.equal(value(decodeParameter(0xe6a40061, table)), 425); // 206 CAS, kt
    assert.equal(value(decodeParameter(0x646a0011, table)), 565); // 210 TAS, kt
    assert.equal(value(decodeParameter(0x606800d1, table)), 13); // 213 SAT, degC
    assert.equal(value(decodeParameter(0xe28a0053, table)), 650); // 312 ground speed, kt
    const lat = value(decodeParameter(0xe73ea813, table)); // 310: the table says "N"
    const lon = value(decodeParameter(0x7716c093, table)); // 311: the table says "W"
    assert.ok(Math.abs(lat - 81.5) < 0.01, `lat ${lat}`);
    assert.ok(Math.abs(lon - -100.25) < 0.01, `lon ${lon}`);
  });

  it('encodes south latitude and west longitude as negative two\'s complement (sign bit 29)', () => {
    const south = encodeBnr(spec(0o310), -33.9461); // Sydney
    const west = encodeBnr(spec(0o311), -118.4085); // Los Angeles
    assert.equal((south >>> 28) & 1, 1);
    assert.equal((west >>> 28) & 1, 1);
    assert.ok(Math.abs(value(decodeParameter(south, table)) - -33.9461) <= 0.000172);
    assert.ok(Math.abs(value(decodeParameter(west, table)) - -118.4085) <= 0.000172);
    const r = decodeParameter(south, table);
    assert.ok(r.ok && r.parameter.sdi === null, '20-bit latitude uses bits 9-10 as data, not as SDI');
  });

  it('turns a negative heading into 180-360 degrees', () => {
    const w = encodeBnr(spec(0o314), 270);
    assert.equal((w >>> 28) & 1, 1);
    assert.ok(Math.abs(value(decodeParameter(w, table)) - 270) < 0.01);
  });

  it('round-trips every BNR label within one resolution step', () => {
    const bnrs = DEFAULT_LABELS.filter((s): s is BnrLabel => s.format === 'BNR');
    fc.assert(
      fc.property(fc.constantFrom(...bnrs), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 0, max: 3 }), (s, f, sdi) => {
        const lo = s.nonNegative || s.wrap360 ? 0 : -s.range;
        const hi = s.wrap360 ? 360 - s.resolution : s.range - s.resolution;
        const v = lo + f * (hi - lo);
        const r = decodeParameter(encodeBnr(s, v, { sdi }), table);
        const got = value(r);
        const diff = s.wrap360 ? Math.min(Math.abs(got - v), 360 - Math.abs(got - v)) : Math.abs(got - v);
        assert.ok(diff <= s.resolution / 2 + 1e-9, `${s.key} ${v} -> ${got}`);
        if (r.ok && s.sigBits <= 18) assert.equal(r.parameter.sdi, sdi);
      }),
      { numRuns: 1000 },
    );
  });

  it('never uses a word with a failure warning, no computed data, functional test or bad parity', () => {
    const alt = spec<BnrLabel>(0o203);
    const reasons = [
      [0b00, 'failure-warning'],
      [0b01, 'no-computed-data'],
      [0b10, 'functional-test'],
    ] as const;
    for (const [ssm, reason] of reasons) {
      const r = decodeParameter(encodeBnr(alt, 35000, { ssm }), table);
      assert.ok(!r.ok && r.reason === reason, `ssm ${ssm}`);
    }
    const good = encodeBnr(alt, 35000);
    const r = decodeParameter((good ^ 0x1000) >>> 0, table);
    assert.ok(!r.ok && r.reason === 'bad-parity');
    const unknown = decodeParameter(encodeWord({ label: 0o377, sdi: 0, data: 1, ssm: 3 }), table);
    assert.ok(!unknown.ok && unknown.reason === 'unknown-label');
  });

  it('refuses a negative ground speed as out of range', () => {
    const gs = spec<BnrLabel>(0o312);
    const w = encodeWord({ label: 0o312, sdi: 0, data: 0x40000, ssm: 3 }); // sign bit alone: most negative
    const r = decodeParameter(w, table);
    assert.ok(!r.ok && r.reason === 'out-of-range', gs.name);
  });
});

describe('ARINC 429 BCD', () => {
  it('decodes UTC 12:34.5 and the date 25 12 24 digit by digit', () => {
    const utc = spec<BcdLabel>(0o125);
    const w = encodeBcd(utc, 12 * 60 + 34.5);
    // Hand-assembled: hours 1|2, minutes 3|4, tenths 5 at bits 27, 23, 19, 15, 11.
    const hand = encodeWord({ label: 0o125, sdi: 0, data: (1 << 16) | (2 << 12) | (3 << 8) | (4 << 4) | 5, ssm: 0 });
    assert.equal(w, hand);
    assert.equal(value(decodeParameter(w, table)), 754.5);
    const date = encodeBcd(spec(0o260), 251224);
    // Table 6-18: 29-28 day tens, 27-24 day units, 23 month tens, 22-19 month units, 18-15 year tens, 14-11 year units.
    assert.equal((date >>> 27) & 0x3, 2);
    assert.equal((date >>> 23) & 0xf, 5);
    assert.equal((date >>> 22) & 0x1, 1);
    assert.equal((date >>> 18) & 0xf, 2);
    assert.equal((date >>> 14) & 0xf, 2);
    assert.equal((date >>> 10) & 0xf, 4);
    assert.equal(value(decodeParameter(date, table)), 251224);
  });

  it('refuses BCD digits above 9 and times past 23:59.9, and reads SSM 11 as minus only where signed', () => {
    const badDigit = encodeWord({ label: 0o125, sdi: 0, data: 0xf, ssm: 0 });
    const r1 = decodeParameter(badDigit, table);
    assert.ok(!r1.ok && r1.reason === 'bad-bcd-digit');
    const h25 = encodeWord({ label: 0o125, sdi: 0, data: (2 << 16) | (5 << 12), ssm: 0 });
    const r2 = decodeParameter(h25, table);
    assert.ok(!r2.ok && r2.reason === 'out-of-range');
    const minus = encodeBcd(spec(0o125), 60, { ssm: 0b11 });
    const r3 = decodeParameter(minus, table);
    assert.ok(!r3.ok && r3.reason === 'out-of-range', 'a time is never negative');
    const ncd = decodeParameter(encodeBcd(spec(0o125), 60, { ssm: 0b01 }), table);
    assert.ok(!ncd.ok && ncd.reason === 'no-computed-data');
  });

  it('round-trips any UTC to the tenth of a minute', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 * 600 + 599 }), (tenths) => {
        const v = tenths / 10;
        assert.ok(Math.abs(value(decodeParameter(encodeBcd(spec(0o125), v), table)) - v) < 1e-9);
      }),
    );
  });
});

describe('ARINC 429 ISO-5 flight number', () => {
  it('carries two characters a label over 233-236', () => {
    const words = ['BA', '01', '17', ''].map((piece, i) => encodeIso5(spec<Iso5Label>(0o233 + i), piece));
    const text = words
      .map((w) => decodeParameter(w, table))
      .map((r) => (r.ok && r.parameter.format === 'ISO5' ? r.parameter.text : '?'))
      .join('');
    assert.equal(text, 'BA0117');
    assert.equal(encodeByKey(table, 'flightNumber1', 'BA'), words[0]);
  });

  it('refuses control characters', () => {
    const w = encodeWord({ label: 0o233, sdi: 0, data: 0x07, ssm: 0 });
    const r = decodeParameter(w, table);
    assert.ok(!r.ok && r.reason === 'out-of-range');
  });
});

describe('ARINC 429 decoder, any word', () => {
  it('never throws and either uses a word or says why not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (raw) => {
        const r = decodeParameter(raw, table);
        if (r.ok) assert.equal(r.word.parityOk, true);
        else assert.equal(typeof r.reason, 'string');
      }),
      { numRuns: 5000 },
    );
  });
});
