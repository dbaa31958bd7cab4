import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ErrorCode,
  encodeAck,
  encodeData,
  encodeError,
  encodeOack,
  encodeRequest,
  parsePacket,
  type ParseResult,
  type Packet,
} from '../../../protocols/tftp/codec.js';

const raw = (...parts: Array<number[] | string>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

function packet(r: ParseResult): Packet {
  assert.ok(r.ok, r.ok ? '' : `expected a packet, got error ${r.code}: ${r.message}`);
  return r.packet;
}

function refusal(r: ParseResult): { code: ErrorCode; message: string } {
  assert.ok(!r.ok, 'expected a refusal');
  return r;
}

const rrq = (options: Record<string, string>) => parsePacket(encodeRequest('rrq', 'fw/a.img', 'octet', options));

describe('TFTP codec: requests', () => {
  it('parses a RRQ with case-insensitive mode and option names', () => {
    const p = packet(parsePacket(encodeRequest('rrq', 'firmware/gp3/2.5.0.img', 'OcTeT', { BlkSize: '1428', TSIZE: '0', WindowSize: '16', Timeout: '3' })));
    assert.deepEqual(p, {
      op: 'rrq',
      filename: 'firmware/gp3/2.5.0.img',
      mode: 'octet',
      options: { blksize: 1428, tsize: 0, windowsize: 16, timeout: 3 },
    });
  });

  it('parses a WRQ', () => {
    assert.equal(packet(parsePacket(encodeRequest('wrq', 'up.bin', 'octet'))).op, 'wrq');
  });

  it('refuses blksize below 8, or not a number, with error 8', () => {
    for (const v of ['0', '7', '-512', '', '0x200', ' 512', '512.0']) {
      assert.equal(refusal(rrq({ blksize: v })).code, ErrorCode.OptionRefused, `blksize "${v}"`);
    }
  });

  it('keeps blksize above 65464 for the server to clamp', () => {
    assert.equal((packet(rrq({ blksize: '70000' })) as { options: { blksize: number } }).options.blksize, 70000);
  });

  it('refuses windowsize 0 and timeouts outside 1-255 s with error 8', () => {
    assert.equal(refusal(rrq({ windowsize: '0' })).code, ErrorCode.OptionRefused);
    assert.equal(refusal(rrq({ timeout: '0' })).code, ErrorCode.OptionRefused);
    assert.equal(refusal(rrq({ timeout: '256' })).code, ErrorCode.OptionRefused);
  });

  it('accepts windowsize 65 (RFC 7440 allows up to 65535; the server clamps)', () => {
    assert.deepEqual((packet(rrq({ windowsize: '65' })) as { options: object }).options, { windowsize: 65 });
  });

  it('ignores unknown options, keeps the first of a repeated one, and reads any tsize as a size query', () => {
    const p = packet(parseRequestWith(['multicast', '', 'blksize', '1024', 'blksize', '9', 'tsize', 'abc']));
    assert.deepEqual((p as { options: object }).options, { blksize: 1024, tsize: 0 });
  });

  it('tolerates NUL padding after the options', () => {
    assert.equal(packet(parsePacket(raw([0, 1], 'a.img\0octet\0blksize\x001024\0', [0, 0, 0]))).op, 'rrq');
  });

  it('refuses missing terminators, a dangling option name and an unknown mode with error 4', () => {
    for (const bytes of [
      raw([0, 1], 'a.img'),
      raw([0, 1], 'a.img\0octet'),
      raw([0, 1], 'a.img\0octet\0blksize'),
      raw([0, 1], 'a.img\0octet\0blksize\x001024'),
      raw([0, 1], 'a.img\0octet\0blksize\x001024\0', [0, 7]),
      raw([0, 1], 'a.img\0binary\0'),
    ]) {
      assert.equal(refusal(parsePacket(bytes)).code, ErrorCode.IllegalOperation, JSON.stringify(bytes.toString('latin1')));
    }
  });

  it('refuses a file name that is not UTF-8', () => {
    assert.equal(refusal(parsePacket(raw([0, 1, 0xff, 0xfe, 0], 'octet\0'))).code, ErrorCode.IllegalOperation);
  });
});

describe('TFTP codec: other packets', () => {
  it('round-trips DATA, ACK, ERROR and OACK; block numbers wrap to 0 past 65535', () => {
    assert.deepEqual(packet(parsePacket(encodeData(65536 + 7, Buffer.from('xyz')))), { op: 'data', block: 7, data: Buffer.from('xyz') });
    assert.deepEqual(packet(parsePacket(encodeAck(65536))), { op: 'ack', block: 0 });
    assert.deepEqual(packet(parsePacket(encodeError(ErrorCode.FileNotFound, 'nope'))), { op: 'error', code: 1, message: 'nope' });
    const oack = packet(parsePacket(encodeOack([['blksize', 1428], ['tsize', '42']])));
    assert.deepEqual(oack, { op: 'oack', options: new Map([['blksize', '1428'], ['tsize', '42']]) });
  });

  it('refuses short packets and unknown opcodes with error 4', () => {
    for (const bytes of [raw([]), raw([0]), raw([0, 3, 1]), raw([0, 4, 0]), raw([0, 5, 0]), raw([0, 9, 0, 1]), raw([1, 1, 0, 0])]) {
      assert.equal(refusal(parsePacket(bytes)).code, ErrorCode.IllegalOperation);
    }
  });

  it('reads an ERROR without its terminator', () => {
    assert.deepEqual(packet(parsePacket(raw([0, 5, 0, 2], 'denied'))), { op: 'error', code: 2, message: 'denied' });
  });
});

describe('TFTP codec: fuzz', () => {
  const validResult = (r: ParseResult): boolean =>
    r.ok ? typeof r.packet.op === 'string' : Number.isInteger(r.code) && r.code >= 0 && r.code <= 8 && r.message.length > 0;

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => validResult(parsePacket(Buffer.from(bytes)))),
      { numRuns: 5000 },
    );
  });

  it('never throws on request-shaped garbage (odd NULs, huge names, bad values)', () => {
    const text = fc.oneof(
      fc.constantFrom('octet', 'NETASCII', 'blksize', 'windowsize', 'timeout', 'tsize', '0', '7', '70000', '65', '', '\0', '../etc/passwd'),
      fc.string({ maxLength: 40 }),
      fc.string({ minLength: 300, maxLength: 1000 }),
    );
    const opcode = fc.integer({ min: 0, max: 8 });
    fc.assert(
      fc.property(opcode, fc.array(text, { maxLength: 8 }), fc.boolean(), (op, parts, terminate) => {
        const body = parts.join('\0') + (terminate ? '\0' : '');
        return validResult(parsePacket(raw([0, op], body)));
      }),
      { numRuns: 5000 },
    );
  });

  it('parses back whatever it encodes', () => {
    const name = fc.string({ minLength: 1, maxLength: 100 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(name, fc.integer({ min: 8, max: 65464 }), fc.integer({ min: 1, max: 64 }), (filename, blksize, windowsize) => {
        const p = packet(parsePacket(encodeRequest('rrq', filename, 'octet', { blksize, windowsize })));
        assert.deepEqual(p, { op: 'rrq', filename, mode: 'octet', options: { blksize, windowsize } });
      }),
      { numRuns: 1000 },
    );
  });
});

function parseRequestWith(pairs: string[]): ParseResult {
  return parsePacket(raw([0, 1], `a.img\0octet\0${pairs.map((p) => `${p}\0`).join('')}`));
}
