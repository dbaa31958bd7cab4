import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeRtp, parseRtp, type RtpParseError } from '../../../protocols/rtp/packet.js';

const REASONS: RtpParseError[] = ['too-short', 'bad-version', 'csrc-overflow', 'extension-overflow', 'bad-padding'];

function reasonOf(bytes: Uint8Array): RtpParseError | 'ok' {
  const r = parseRtp(bytes);
  return r.ok ? 'ok' : r.reason;
}

test('parses the header fields of a packet laid out by hand', () => {
  // V=2, marker, PT 97, seq 0x1234, ts 0xdeadbeef, SSRC 0x01020304, then a 4-byte payload.
  const bytes = Uint8Array.from([0x80, 0xe1, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 9, 8, 7, 6]);
  const r = parseRtp(bytes);
  assert.ok(r.ok);
  assert.equal(r.packet.marker, true);
  assert.equal(r.packet.payloadType, 97);
  assert.equal(r.packet.sequence, 0x1234);
  assert.equal(r.packet.timestamp, 0xdeadbeef);
  assert.equal(r.packet.ssrc, 0x01020304);
  assert.deepEqual([...r.packet.payload], [9, 8, 7, 6]);
});

test('skips CSRCs, the header extension and the padding to find the payload', () => {
  const payload = Uint8Array.from([1, 2, 3]);
  const bytes = encodeRtp(
    { payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3, csrcs: [10, 11], extension: { profile: 0xbede, words: 2 }, padding: 5 },
    payload,
  );
  const r = parseRtp(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.packet.csrcs, [10, 11]);
  assert.deepEqual(r.packet.extension, { profile: 0xbede, words: 2 });
  assert.deepEqual([...r.packet.payload], [1, 2, 3]);
});

test('round-trips every valid header', () => {
  const header = fc.record({
    marker: fc.boolean(),
    payloadType: fc.integer({ min: 0, max: 127 }),
    sequence: fc.integer({ min: 0, max: 0xffff }),
    timestamp: fc.nat({ max: 0xffffffff }),
    ssrc: fc.nat({ max: 0xffffffff }),
    csrcs: fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 15 }),
    extension: fc.option(fc.record({ profile: fc.integer({ min: 0, max: 0xffff }), words: fc.integer({ min: 0, max: 8 }) }), { nil: undefined }),
    padding: fc.integer({ min: 0, max: 255 }),
  });
  fc.assert(
    fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, payload) => {
      const r = parseRtp(encodeRtp(h, payload));
      assert.ok(r.ok);
      const { padding: _sendersChoice, extension, ...fields } = h;
      assert.deepEqual({ ...r.packet, payload: [...r.packet.payload] }, { ...fields, extension: extension ? { ...extension } : null, payload: [...payload] });
    }),
  );
});

test('refuses what is not an RTP packet, with the reason', () => {
  const good = encodeRtp({ payloadType: 96, sequence: 1, timestamp: 1, ssrc: 1 }, new Uint8Array(8));
  const withByte0 = (b0: number, bytes: Uint8Array = good) => Uint8Array.from([b0, ...bytes.subarray(1)]);

  assert.equal(reasonOf(good.subarray(0, 11)), 'too-short');
  assert.equal(reasonOf(new Uint8Array(0)), 'too-short');
  for (const version of [0, 1, 3]) assert.equal(reasonOf(withByte0(version << 6)), 'bad-version');
  // 15 CSRCs need 60 bytes after the fixed header; the packet has 8.
  assert.equal(reasonOf(withByte0(0x8f)), 'csrc-overflow');
  // X set, but the extension header's length runs past the end.
  const ext = encodeRtp({ payloadType: 96, sequence: 1, timestamp: 1, ssrc: 1, extension: { profile: 1, words: 1 } }, new Uint8Array(0));
  assert.equal(reasonOf(ext.subarray(0, ext.length - 1)), 'extension-overflow');
  assert.equal(reasonOf(withByte0(0x90, good.subarray(0, 14))), 'extension-overflow');
  // P set: a count larger than the payload, and a count of zero.
  const padded = Uint8Array.from(good);
  padded[0] = 0xa0;
  padded[padded.length - 1] = 9;
  assert.equal(reasonOf(padded), 'bad-padding');
  padded[padded.length - 1] = 0;
  assert.equal(reasonOf(padded), 'bad-padding');
});

test('padding that fills the whole payload leaves an empty payload', () => {
  const bytes = encodeRtp({ payloadType: 96, sequence: 1, timestamp: 1, ssrc: 1, padding: 4 }, new Uint8Array(0));
  const r = parseRtp(bytes);
  assert.ok(r.ok);
  assert.equal(r.packet.payload.length, 0);
});

test('fuzz: random bytes never throw and always get a known verdict', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.ok(['ok', ...REASONS].includes(reasonOf(bytes)));
    }),
    { numRuns: 5000 },
  );
});

test('fuzz: version-2 headers with wrong counts, flags and lengths never throw', () => {
  const wrongHeader = fc
    .record({
      flags: fc.integer({ min: 0, max: 0x3f }), // P, X and CC over a valid version
      b1: fc.integer({ min: 0, max: 255 }),
      extWords: fc.integer({ min: 0, max: 0xffff }),
      tail: fc.uint8Array({ maxLength: 80 }),
      cut: fc.nat({ max: 120 }),
    })
    .map(({ flags, b1, extWords, tail, cut }) => {
      const bytes = Uint8Array.from([0x80 | flags, b1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, ...tail]);
      const extAt = 12 + 4 * (flags & 0x0f);
      if (bytes.length >= extAt + 4) new DataView(bytes.buffer).setUint16(extAt + 2, extWords);
      return bytes.subarray(0, Math.max(0, bytes.length - cut));
    });
  fc.assert(
    fc.property(wrongHeader, (bytes) => {
      const r = parseRtp(bytes);
      if (r.ok) assert.ok(r.packet.payload.length <= bytes.length - 12);
      else assert.ok(REASONS.includes(r.reason));
    }),
    { numRuns: 5000 },
  );
});
