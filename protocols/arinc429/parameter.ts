import { decodeWord, encodeWord, type Arinc429Word } from './word.js';
import type { BcdLabel, BnrLabel, DiscreteLabel, Iso5Label, LabelSpec, LabelTable, ParameterKey } from './labels.js';

/**
 * Word -> engineering value, driven by the label table. A word is used as
 * data only when its parity is odd and its SSM says "normal operation" for
 * its format; every other word is refused with the reason, to be counted.
 *
 * SSM codes (bits 31, 30):
 *   BNR:             11 normal, 00 failure warning, 01 no computed data, 10 functional test
 *   BCD:             00 plus, 11 minus, 01 no computed data, 10 functional test
 *   discrete, ISO-5: 00 normal, 01 no computed data, 10 functional test, 11 failure warning
 */

export type RefusalReason =
  | 'bad-parity'
  | 'unknown-label'
  | 'failure-warning'
  | 'no-computed-data'
  | 'functional-test'
  | 'out-of-range'
  | 'bad-bcd-digit';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'bad-parity',
  'unknown-label',
  'failure-warning',
  'no-computed-data',
  'functional-test',
  'out-of-range',
  'bad-bcd-digit',
];

interface DecodedBase {
  label: number;
  key: ParameterKey;
  /** null when the label's data uses bits 9-10 (20-bit BNR). */
  sdi: number | null;
}

export type DecodedParameter =
  | (DecodedBase & { format: 'BNR' | 'BCD'; value: number })
  | (DecodedBase & { format: 'ISO5'; text: string })
  | (DecodedBase & { format: 'discrete'; bits: number });

export type ParameterResult =
  | { ok: true; parameter: DecodedParameter; word: Arinc429Word }
  | { ok: false; reason: RefusalReason; word: Arinc429Word };

export const SSM = { BNR_NORMAL: 0b11, BNR_FAILURE: 0b00, NCD: 0b01, TEST: 0b10, BCD_PLUS: 0b00, BCD_MINUS: 0b11 } as const;

function ssmRefusal(spec: LabelSpec, ssm: number): RefusalReason | null {
  if (ssm === SSM.NCD) return 'no-computed-data';
  if (ssm === SSM.TEST) return 'functional-test';
  if (spec.format === 'BNR') return ssm === SSM.BNR_NORMAL ? null : 'failure-warning';
  if (spec.format === 'BCD') return null; // 00 plus, 11 minus
  return ssm === 0b11 ? 'failure-warning' : null;
}

const bnrLsb = (spec: BnrLabel): number => 29 - spec.sigBits;

/** Never throws; any 32-bit number and any table give a result. */
export function decodeParameter(raw: number, table: LabelTable): ParameterResult {
  const word = decodeWord(raw);
  if (!word.parityOk) return { ok: false, reason: 'bad-parity', word };
  const spec = table.get(word.label);
  if (!spec) return { ok: false, reason: 'unknown-label', word };
  const refused = ssmRefusal(spec, word.ssm);
  if (refused) return { ok: false, reason: refused, word };
  switch (spec.format) {
    case 'BNR':
      return decodeBnr(spec, word);
    case 'BCD':
      return decodeBcd(spec, word);
    case 'ISO5':
      return decodeIso5(spec, word);
    case 'discrete':
      return { ok: true, word, parameter: { label: spec.label, key: spec.key, sdi: word.sdi, format: 'discrete', bits: word.data } };
  }
}

function decodeBnr(spec: BnrLabel, word: Arinc429Word): ParameterResult {
  const lsb = bnrLsb(spec);
  const width = spec.sigBits + 1; // magnitude bits plus the sign in bit 29
  let field = Math.floor(word.raw / 2 ** (lsb - 1)) % 2 ** width;
  if (field >= 2 ** spec.sigBits) field -= 2 ** width;
  let value = field * spec.resolution;
  if (spec.nonNegative && value < 0) return { ok: false, reason: 'out-of-range', word };
  if (spec.wrap360 && value < 0) value += 360;
  return { ok: true, word, parameter: { label: spec.label, key: spec.key, sdi: lsb <= 10 ? null : word.sdi, format: 'BNR', value } };
}

function decodeBcd(spec: BcdLabel, word: Arinc429Word): ParameterResult {
  if (!spec.signed && word.ssm === SSM.BCD_MINUS) return { ok: false, reason: 'out-of-range', word };
  let value = 0;
  for (const d of spec.digits) {
    const digit = (word.raw >>> (d.lsb - 1)) & ((1 << d.width) - 1);
    if (digit > d.max) return { ok: false, reason: 'bad-bcd-digit', word };
    value += digit * d.weight;
  }
  value = Math.round(value / spec.resolution) * spec.resolution; // 0.1 weights add up with float dust
  if (value > spec.max) return { ok: false, reason: 'out-of-range', word };
  if (word.ssm === SSM.BCD_MINUS) value = -value;
  return { ok: true, word, parameter: { label: spec.label, key: spec.key, sdi: word.sdi, format: 'BCD', value } };
}

function decodeIso5(spec: Iso5Label, word: Arinc429Word): ParameterResult {
  let text = '';
  for (const lsb of spec.charLsbs) {
    const c = (word.raw >>> (lsb - 1)) & 0x7f;
    if (c === 0) continue; // NUL pads a short flight number
    if (c < 0x20 || c === 0x7f) return { ok: false, reason: 'out-of-range', word };
    text += String.fromCharCode(c);
  }
  return { ok: true, word, parameter: { label: spec.label, key: spec.key, sdi: word.sdi, format: 'ISO5', text } };
}

// ---- encoders: for the simulator and the tests ----

export interface EncodeOptions {
  sdi?: number;
  /** Defaults to the format's "normal" code (BNR 11; BCD from the sign; discrete/ISO-5 00). */
  ssm?: number;
}

/** Rounds to the label's resolution and saturates at its range. */
export function encodeBnr(spec: BnrLabel, value: number, opts: EncodeOptions = {}): number {
  const lsb = bnrLsb(spec);
  const v = spec.wrap360 && value >= 180 ? value - 360 : value;
  const max = 2 ** spec.sigBits - 1;
  let m = Math.round(v / spec.resolution);
  if (!Number.isFinite(m)) m = 0;
  m = Math.max(-max - 1, Math.min(max, m));
  const width = spec.sigBits + 1;
  const field = m < 0 ? m + 2 ** width : m;
  // Assemble bits 9-29 (21 bits) so a 20-bit field can use the SDI bits.
  const sdiBits = lsb <= 10 ? 0 : (opts.sdi ?? 0) & 0x3;
  const wide = field * 2 ** (lsb - 9) + sdiBits;
  return encodeWord({ label: spec.label, sdi: wide & 0x3, data: Math.floor(wide / 4) & 0x7ffff, ssm: opts.ssm ?? SSM.BNR_NORMAL });
}

/** Encodes |value| digit by digit; a negative value on a signed label sets SSM 11. */
export function encodeBcd(spec: BcdLabel, value: number, opts: EncodeOptions = {}): number {
  let rest = Math.round(Math.abs(value) / spec.resolution);
  let data = 0;
  for (const d of spec.digits) {
    const units = Math.round(d.weight / spec.resolution);
    const digit = Math.min(Math.floor(rest / units), (1 << d.width) - 1);
    rest -= digit * units;
    data |= digit << (d.lsb - 11);
  }
  const ssm = opts.ssm ?? (spec.signed && value < 0 ? SSM.BCD_MINUS : SSM.BCD_PLUS);
  return encodeWord({ label: spec.label, sdi: opts.sdi ?? 0, data, ssm });
}

export function encodeIso5(spec: Iso5Label, text: string, opts: EncodeOptions = {}): number {
  let data = 0;
  spec.charLsbs.forEach((lsb, i) => {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) data |= c << (lsb - 11);
  });
  return encodeWord({ label: spec.label, sdi: opts.sdi ?? 0, data, ssm: opts.ssm ?? 0 });
}

export function encodeDiscrete(spec: DiscreteLabel, bits: number, opts: EncodeOptions = {}): number {
  return encodeWord({ label: spec.label, sdi: opts.sdi ?? 0, data: bits, ssm: opts.ssm ?? 0 });
}

/** Encodes by table key: the simulator's one entry point. */
export function encodeByKey(table: LabelTable, key: ParameterKey, value: number | string, opts: EncodeOptions = {}): number {
  for (const spec of table.values()) {
    if (spec.key !== key) continue;
    switch (spec.format) {
      case 'BNR':
        return encodeBnr(spec, Number(value), opts);
      case 'BCD':
        return encodeBcd(spec, Number(value), opts);
      case 'ISO5':
        return encodeIso5(spec, String(value), opts);
      case 'discrete':
        return encodeDiscrete(spec, Number(value), opts);
    }
  }
  throw new Error(`no label carries ${key}`);
}

/** "HKG123" -> the four flight-number words' two-character pieces, padded with NUL. */
export function flightNumberPieces(text: string): string[] {
  const padded = text.slice(0, 8);
  return [0, 2, 4, 6].map((i) => padded.slice(i, i + 2));
}
