import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_L16_PAYLOAD_TYPES, decodeAudioPacket } from '../../../protocols/rtp/audio.js';
import { linearToMulaw } from '../../../protocols/rtp/g711.js';
import { DIGITAL_SILENCE_DBFS } from '../../../protocols/rtp/level.js';
import { encodeRtp } from '../../../protocols/rtp/packet.js';

const L16_TYPES = new Set(DEFAULT_L16_PAYLOAD_TYPES);

function sine(amplitude: number, sampleRate: number, ms = 20, hz = 440): number[] {
  return Array.from({ length: (sampleRate * ms) / 1000 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate)));
}

function l16(samples: number[], payloadType = 96): Buffer {
  const payload = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => payload.writeInt16BE(s, 2 * i));
  return encodeRtp({ payloadType, sequence: 1, timestamp: 0, ssrc: 7 }, payload);
}

function pcmu(samples: number[]): Buffer {
  return encodeRtp({ payloadType: 0, sequence: 1, timestamp: 0, ssrc: 7 }, Uint8Array.from(samples, linearToMulaw));
}

function level(bytes: Uint8Array, types: ReadonlySet<number> = L16_TYPES): number {
  const r = decodeAudioPacket(bytes, types);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.levelDbfs;
}

test('a full-scale sine reads -3 dBFS and a quiet one its RMS level', () => {
  assert.ok(Math.abs(level(l16(sine(32767, 48_000))) - -3.01) < 0.05);
  const amplitude = 32768 * Math.SQRT2 * 10 ** (-40 / 20); // RMS -40 dBFS
  assert.ok(Math.abs(level(l16(sine(amplitude, 48_000))) - -40) < 0.1);
});

test('the same sine reads the same level in PCMU as in L16', () => {
  for (const amplitude of [20_000, 1_000, 100]) {
    const diff = level(pcmu(sine(amplitude, 8_000))) - level(l16(sine(amplitude, 48_000)));
    assert.ok(Math.abs(diff) < 0.5, `amplitude ${amplitude}: ${diff} dB apart`);
  }
});

test('digital silence reads the silence floor in both codecs', () => {
  assert.equal(level(l16(new Array(960).fill(0))), DIGITAL_SILENCE_DBFS);
  assert.equal(level(pcmu(new Array(160).fill(0))), DIGITAL_SILENCE_DBFS);
});

test('L16 is recognised on 96 (the PA gateway) and 97 (ffmpeg), PCMU on 0, other types are refused', () => {
  assert.equal(decodeAudioPacket(l16(sine(1000, 48_000), 96), L16_TYPES).ok, true);
  assert.equal(decodeAudioPacket(l16(sine(1000, 48_000), 97), L16_TYPES).ok, true);
  const pcma = encodeRtp({ payloadType: 8, sequence: 1, timestamp: 0, ssrc: 7 }, new Uint8Array(160));
  assert.deepEqual(decodeAudioPacket(pcma, L16_TYPES), { ok: false, reason: 'unknown-payload-type' });
  assert.deepEqual(decodeAudioPacket(l16(sine(1000, 48_000), 98), L16_TYPES), { ok: false, reason: 'unknown-payload-type' });
});

test('the L16 payload types are configurable', () => {
  const r = decodeAudioPacket(l16(sine(1000, 48_000), 98), new Set([98]));
  assert.ok(r.ok);
  assert.deepEqual(r.format, { codec: 'L16', clockRate: 48_000 });
  assert.equal(decodeAudioPacket(l16(sine(1000, 48_000), 96), new Set([98])).ok, false);
});

test('an L16 payload cut mid-sample is refused', () => {
  const bytes = encodeRtp({ payloadType: 96, sequence: 1, timestamp: 0, ssrc: 7 }, new Uint8Array(959));
  assert.deepEqual(decodeAudioPacket(bytes, L16_TYPES), { ok: false, reason: 'odd-l16-length' });
});

test('fuzz: any datagram decodes to a level within range or a reason, never a throw', () => {
  const audioish = fc
    .record({ pt: fc.constantFrom(0, 96, 97, 98, 8), payload: fc.uint8Array({ maxLength: 400 }), raw: fc.uint8Array({ maxLength: 64 }), useRaw: fc.boolean() })
    .map(({ pt, payload, raw, useRaw }) => (useRaw ? raw : encodeRtp({ payloadType: pt, sequence: 1, timestamp: 0, ssrc: 1 }, payload)));
  fc.assert(
    fc.property(audioish, (bytes) => {
      const r = decodeAudioPacket(bytes, L16_TYPES);
      if (r.ok) assert.ok(r.levelDbfs >= DIGITAL_SILENCE_DBFS && r.levelDbfs <= 0, String(r.levelDbfs));
    }),
    { numRuns: 3000 },
  );
});
