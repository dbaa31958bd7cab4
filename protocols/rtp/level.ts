import { MULAW_TO_LINEAR } from './g711.js';

/**
 * Level is the RMS of the samples in dBFS, full scale being 32768: a full-scale
 * square wave reads 0 dBFS, a full-scale sine about -3 dBFS. Digital silence reads
 * DIGITAL_SILENCE_DBFS rather than -Infinity so levels stay plain JSON numbers.
 */
export const DIGITAL_SILENCE_DBFS = -120;

export function dbfs(sumOfSquares: number, samples: number): number {
  if (samples === 0 || sumOfSquares === 0) return DIGITAL_SILENCE_DBFS;
  const rms = Math.sqrt(sumOfSquares / samples) / 32768;
  return Math.max(DIGITAL_SILENCE_DBFS, 20 * Math.log10(rms));
}

/** L16 (RFC 3551 section 4.5.11): signed 16-bit big-endian samples. The caller checks the length is even. */
export function l16LevelDbfs(payload: Uint8Array): number {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const samples = payload.length >> 1;
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    const s = view.getInt16(2 * i);
    sum += s * s;
  }
  return dbfs(sum, samples);
}

/** PCMU: one G.711 µ-law octet per sample. */
export function pcmuLevelDbfs(payload: Uint8Array): number {
  let sum = 0;
  for (const code of payload) {
    const s = MULAW_TO_LINEAR[code]!;
    sum += s * s;
  }
  return dbfs(sum, payload.length);
}
