import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AsciiLineFramer,
  BinarySyncFramer,
  encodeAsciiLine,
  encodeBinaryFrame,
  type FramedItem,
  type WordFramer,
} from '../../../protocols/arinc429/framing.js';
import { encodeWord } from '../../../protocols/arinc429/word.js';

/** Splits bytes at the given cut points (any chunking). */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

function feed(framer: WordFramer, chunks: Uint8Array[]): FramedItem[] {
  return chunks.flatMap((c) => framer.push(c));
}

const words = (items: FramedItem[]): number[] => items.flatMap((i) => (i.kind === 'word' ? [i.raw] : []));
const errors = (items: FramedItem[], reason?: string): number =>
  items.filter((i) => i.kind === 'error' && (reason === undefined || i.error.reason === reason)).length;

const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
const arbWord = fc.integer({ min: 0, max: 0xffffffff });

describe('binary sync framing (A5 + 4 bytes LE + XOR)', () => {
  it('frames a word little-endian with its checksum', () => {
    const raw = encodeWord({ label: 0o203, sdi: 0, data: 35000 >> 1, ssm: 3 });
    const f = encodeBinaryFrame(raw);
    assert.equal(f[0], 0xa5);
    assert.equal(f[1], raw & 0xff); // bits 1-8, the label byte, first
    assert.equal(f[5], f[1]! ^ f[2]! ^ f[3]! ^ f[4]!);
    assert.deepEqual(words(new BinarySyncFramer().push(f)), [raw]);
  });

  it('counts a bad checksum and still finds the next frame', () => {
    const a = encodeBinaryFrame(0x12345678);
    const bad = Uint8Array.from(a);
    bad[5]! ^= 0xff;
    const items = new BinarySyncFramer().push(concat(bad, a));
    assert.deepEqual(words(items), [0x12345678]);
    assert.equal(errors(items, 'bad-checksum'), 1);
  });

  it('finds a frame that starts inside a torn one (an A5 in the data)', () => {
    const inner = encodeBinaryFrame(0xdeadbeef);
    const torn = Uint8Array.from([0xa5, 0x01, 0x02]); // a sync and two bytes, then the real frame
    assert.deepEqual(words(new BinarySyncFramer().push(concat(torn, inner))), [0xdeadbeef]);
  });

  it('any chunking gives exactly what one push gives, and holds at most one frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(arbWord, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (garbage, ws, cuts) => {
        const stream = concat(garbage, ...ws.map(encodeBinaryFrame));
        const whole = new BinarySyncFramer().push(stream);
        const framer = new BinarySyncFramer();
        const pieces = feed(framer, chunked(stream, cuts));
        assert.deepEqual(words(pieces), words(whole));
        assert.equal(errors(pieces, 'bad-checksum'), errors(whole, 'bad-checksum'));
        assert.ok(framer.pending < 6);
      }),
      { numRuns: 500 },
    );
  });

  it('garbage without a sync byte, any chunking: never loses a valid frame after it', () => {
    const noSync = fc.uint8Array({ maxLength: 64 }).map((g) => g.map((b) => (b === 0xa5 ? 0 : b)));
    fc.assert(
      fc.property(noSync, fc.array(arbWord, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (garbage, ws, cuts) => {
        const framer = new BinarySyncFramer();
        const items = feed(framer, chunked(concat(garbage, ...ws.map(encodeBinaryFrame)), cuts));
        assert.deepEqual(words(items), ws);
        const garbageBytes = items.reduce((n, i) => n + (i.kind === 'error' && i.error.reason === 'garbage' ? i.error.bytes : 0), 0);
        assert.equal(garbageBytes, garbage.length, 'every byte before the first sync is counted, once');
      }),
      { numRuns: 500 },
    );
  });

  it('a lucky frame in the garbage can swallow the first real frame (a one-byte XOR), and sync holds from the next', () => {
    // Found by the fuzzer: A5 A4 FF, then the frame of 186538407 (A5 A7 6E 1E 0B ..): "A5 A4 FF A5 A7 6E" checks.
    const items = new BinarySyncFramer().push(concat(Uint8Array.from([0xa5, 0xa4, 0xff]), encodeBinaryFrame(186538407), encodeBinaryFrame(0)));
    assert.deepEqual(words(items), [0xa7a5ffa4, 0]);
    assert.equal(errors(items, 'garbage'), 1, 'the rest of the swallowed frame is counted');
  });

  it('pure noise yields only counted errors and lucky frames, and no unbounded buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(fc.nat(), { maxLength: 20 }), (noise, cuts) => {
        const framer = new BinarySyncFramer();
        const items = feed(framer, chunked(noise, cuts));
        for (const i of items) if (i.kind === 'error') assert.ok(i.error.bytes > 0);
        assert.ok(framer.pending < 6);
      }),
    );
  });
});

describe('ASCII line framing', () => {
  it('reads "L<octal> <hex>" and bare hex lines, CRLF or LF', () => {
    const a = encodeWord({ label: 0o310, sdi: 0, data: 1234, ssm: 3 });
    const b = encodeWord({ label: 0o312, sdi: 1, data: 99, ssm: 3 });
    const text = `${Buffer.from(encodeAsciiLine(a)).toString('latin1')}${b.toString(16).padStart(8, '0')}\n\r\n`;
    assert.match(Buffer.from(encodeAsciiLine(a)).toString('latin1'), /^L310 [0-9A-F]{8}\r\n$/);
    assert.deepEqual(words(new AsciiLineFramer().push(Buffer.from(text))), [a, b]);
  });

  it('refuses a label prefix that disagrees with the word, a bad line and an over-long line', () => {
    const a = encodeWord({ label: 0o310, sdi: 0, data: 1234, ssm: 3 });
    const hex = a.toString(16).padStart(8, '0');
    const items = new AsciiLineFramer().push(Buffer.from(`L311 ${hex}\r\nhello\r\n${'F'.repeat(400)}\r\nL310 ${hex}\r\n`));
    assert.deepEqual(words(items), [a]);
    assert.equal(errors(items, 'label-mismatch'), 1);
    assert.equal(errors(items, 'bad-line'), 1);
    assert.equal(errors(items, 'line-too-long'), 1);
  });

  it('any garbage, any chunking: never throws, never loses the valid lines after a line break, bounded', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(arbWord, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        (garbage, ws, withLabel, cuts) => {
          const framer = new AsciiLineFramer();
          const stream = concat(garbage, Buffer.from('\n'), ...ws.map((w) => encodeAsciiLine(w, withLabel)));
          const items = feed(framer, chunked(stream, cuts));
          const got = words(items);
          assert.deepEqual(got.slice(got.length - ws.length), ws);
          assert.equal(framer.pending, 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('hostile text lines (__proto__, constructor) are just bad lines', () => {
    const items = new AsciiLineFramer().push(Buffer.from('__proto__\nconstructor\nL__proto__ 00000000\n'));
    assert.equal(errors(items, 'bad-line'), 2);
    assert.equal(errors(items, 'line-too-long'), 1);
    assert.equal(words(items).length, 0);
  });
});
