/** G.711 µ-law (PCMU) <-> 16-bit linear, as in ITU-T G.711 and the classic Sun reference code. */

const BIAS = 0x84;
const CLIP = 32635;

/** Decoding is a table lookup: 256 entries, built once. */
export const MULAW_TO_LINEAR: Int16Array = (() => {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    const u = ~code & 0xff;
    const magnitude = (((u & 0x0f) << 3) + BIAS) << ((u & 0x70) >> 4);
    table[code] = u & 0x80 ? BIAS - magnitude : magnitude - BIAS;
  }
  return table;
})();

export function linearToMulaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s = Math.min(s, CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}
