import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CommandEncodeError,
  type DecodeErrorKind,
  decodeCommand,
  encodeCommand,
  HEADER_BYTES,
  MAX_DATAGRAM_BYTES,
} from '../../../protocols/seat-command/codec.js';
import { body, COMMANDS, keyPair } from './fixtures.js';

const { publicKey, privateKey } = keyPair();

/** A datagram with a valid signature over arbitrary body bytes, as a compromised key holder could make. */
function signedRaw(json: Buffer): Buffer {
  return Buffer.concat([Buffer.from('IFC1'), sign(null, json, privateKey), json]);
}

function kindOf(datagram: Uint8Array): DecodeErrorKind | 'ok' {
  const r = decodeCommand(datagram, publicKey);
  return r.ok ? 'ok' : r.error.kind;
}

describe('encodeCommand / decodeCommand', () => {
  it('round-trips every command of the vocabulary', () => {
    for (const cmd of COMMANDS) {
      const b = body(cmd, { target: { seats: ['12A', '12B'] } });
      const datagram = encodeCommand(b, privateKey);
      assert.equal(datagram.subarray(0, 4).toString(), 'IFC1');
      assert.deepEqual(JSON.parse(datagram.subarray(HEADER_BYTES).toString('utf8')), b);
      assert.deepEqual(decodeCommand(datagram, publicKey), { ok: true, body: b });
    }
  });

  it('refuses to encode a command over 1400 bytes, saying what to do', () => {
    const seats = Array.from({ length: 300 }, (_, i) => `${Math.floor(i / 6) + 1}${'ABCDEF'[i % 6]}`);
    assert.throws(
      () => encodeCommand(body('seat.reboot', { target: { seats } }), privateKey),
      (e: unknown) =>
        e instanceof CommandEncodeError && e.kind === 'oversized' && /would be \d+ bytes, over the 1400-byte limit: target zones/.test(e.message),
    );
  });

  it('encodes right up to 1400 bytes', () => {
    // Grow a seat list until one more seat would not fit.
    const seats: string[] = [];
    let last: Buffer = Buffer.alloc(0);
    for (let i = 0; ; i++) {
      try {
        last = encodeCommand(body('seat.reboot', { target: { seats: [...seats, `S${i}`] } }), privateKey);
        seats.push(`S${i}`);
      } catch {
        break;
      }
    }
    assert.ok(last.length > MAX_DATAGRAM_BYTES - 8 && last.length <= MAX_DATAGRAM_BYTES, `${last.length}`);
    assert.equal(kindOf(last), 'ok');
  });

  it('refuses to sign a body seats would reject, naming the field', () => {
    const bad = { ...body('volume.cap'), args: { max: 11 } } as never;
    assert.throws(() => encodeCommand(bad, privateKey), (e: unknown) => e instanceof CommandEncodeError && e.kind === 'invalid' && /args\.max/.test(e.message));
  });

  it('rejects a datagram cut inside the header as truncated', () => {
    const datagram = encodeCommand(body('seat.reboot'), privateKey);
    assert.equal(kindOf(datagram.subarray(0, 0)), 'truncated');
    assert.equal(kindOf(datagram.subarray(0, HEADER_BYTES)), 'truncated');
  });

  it('rejects a datagram cut inside the body: the signature no longer matches', () => {
    const datagram = encodeCommand(body('seat.reboot'), privateKey);
    assert.equal(kindOf(datagram.subarray(0, datagram.length - 1)), 'signature');
  });

  it('rejects datagrams over 1400 bytes before checking anything else', () => {
    assert.equal(kindOf(Buffer.alloc(MAX_DATAGRAM_BYTES + 1)), 'oversized');
    assert.equal(kindOf(signedRaw(Buffer.alloc(MAX_DATAGRAM_BYTES - HEADER_BYTES + 1, 0x20))), 'oversized');
  });

  it('rejects the wrong magic', () => {
    const datagram = encodeCommand(body('seat.reboot'), privateKey);
    datagram.write('IFC2', 0, 'ascii');
    assert.equal(kindOf(datagram), 'magic');
  });

  it('rejects a command signed with another key', () => {
    const forged = encodeCommand(body('seat.reboot'), keyPair().privateKey);
    const r = decodeCommand(forged, publicKey);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error.message, /signature does not verify/);
  });

  it('rejects a datagram with any single bit flipped in its signature or body', () => {
    const datagram = encodeCommand(body('pa.begin'), privateKey);
    for (let bit = 4 * 8; bit < datagram.length * 8; bit += 7) {
      const copy = Buffer.from(datagram);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(kindOf(copy), 'signature', `bit ${bit}`);
    }
  });

  it('rejects signed bodies that are not UTF-8 JSON', () => {
    assert.equal(kindOf(signedRaw(Buffer.from('{"seq": 1,'))), 'json');
    assert.equal(kindOf(signedRaw(Buffer.from([0x7b, 0xff, 0x7d]))), 'json');
  });

  it('rejects signed JSON that is not a command, naming the fields', () => {
    const r = decodeCommand(signedRaw(Buffer.from(JSON.stringify({ ...body('volume.cap'), args: { max: 99 } }))), publicKey);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.kind, 'shape');
    assert.deepEqual(r.error.fields?.map((f) => f.field), ['args.max']);
    assert.match(r.error.message, /args\.max must be an integer from 0 to 10/);
  });
});
