/**
 * The 32-bit ARINC 429 word (ARINC 429 Part 1, "word format"). Bits are
 * numbered 1..32 as the specification does; in the `number` we keep, bit n is
 * `1 << (n - 1)`, so bit 1 is the least significant bit. That is how adapters
 * and recorders hand words over (IRIG 106 chapter 10, Ballard, DDC, NIDAS).
 *
 *   bits  1-8   label (octal), sent MSB first: see below
 *   bits  9-10  SDI (source/destination identifier)
 *   bits 11-29  data (19 bits; BNR words may also use 9-10, see labels.ts)
 *   bits 30-31  SSM (sign/status matrix)
 *   bit  32     parity: odd over all 32 bits
 *
 * The label reversal: on the wire every field goes least significant bit
 * first, except the label, which goes most significant bit first. A receiver
 * that shifts bits in as they arrive therefore holds the label with its MSB
 * in bit 1. So label 203 (octal, binary 10 000 011) sits in bits 1-8 as
 * 1100 0001 (0xC1): `labelOf(word)` reverses those 8 bits back, and
 * `encodeWord` reverses them in. Everything else is kept as received.
 */

export interface Arinc429Fields {
  /** The label as a number; write it in octal: 0o203. */
  label: number;
  sdi: number;
  /** Bits 11-29 as an unsigned 19-bit number (bit 11 = LSB). */
  data: number;
  ssm: number;
}

export interface Arinc429Word extends Arinc429Fields {
  /** The word as received, unsigned. */
  raw: number;
  /** True when the 32 bits hold an odd number of ones. */
  parityOk: boolean;
}

const REVERSED = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let r = 0;
  for (let i = 0; i < 8; i++) if (b & (1 << i)) r |= 1 << (7 - i);
  REVERSED[b] = r;
}

/** Reverses the 8 bits of a byte (the label's transmission order). */
export function reverseByte(b: number): number {
  return REVERSED[b & 0xff]!;
}

export function popcount32(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function labelOf(raw: number): number {
  return reverseByte(raw & 0xff);
}

/** Never throws: any 32-bit number is a word; whether it is a good one is `parityOk` and the SSM. */
export function decodeWord(raw: number): Arinc429Word {
  const r = raw >>> 0;
  return {
    raw: r,
    label: labelOf(r),
    sdi: (r >>> 8) & 0x3,
    data: (r >>> 10) & 0x7ffff,
    ssm: (r >>> 29) & 0x3,
    parityOk: (popcount32(r) & 1) === 1,
  };
}

/** Builds a word with correct odd parity. Out-of-range fields are masked, not refused (the simulator's job to be right). */
export function encodeWord(f: Arinc429Fields): number {
  const body =
    (reverseByte(f.label) |
      ((f.sdi & 0x3) << 8) |
      ((f.data & 0x7ffff) << 10) |
      ((f.ssm & 0x3) << 29)) >>>
    0;
  return (popcount32(body) & 1) === 1 ? body : (body | 0x80000000) >>> 0;
}

/** Bits 9-29 as one unsigned 21-bit number: the field a BNR word with SDI-less 20 significant bits uses. */
export function wideDataOf(raw: number): number {
  return (raw >>> 8) & 0x1fffff;
}

/** Sets bits 9-29 (21 bits) and the SSM, label from `label`, parity recomputed. */
export function encodeWideWord(label: number, wide: number, ssm: number): number {
  return encodeWord({ label, sdi: wide & 0x3, data: (wide >>> 2) & 0x7ffff, ssm });
}

/** "203" for 0o203; labels are always spelled as three octal digits. */
export function labelToOctal(label: number): string {
  return (label & 0xff).toString(8).padStart(3, '0');
}

/** 0o203 for "203"; null for anything that is not 1-3 octal digits up to 377. */
export function labelFromOctal(text: string): number | null {
  if (!/^[0-7]{1,3}$/.test(text)) return null;
  const n = parseInt(text, 8);
  return n <= 0o377 ? n : null;
}
