import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  CONTROLLER_ADDRESS,
  NecFrameDecoder,
  encodePacket,
  monitorAddress,
  type NecDecodeEvent,
  type NecPacket,
} from '../../../protocols/display-control/nec-frame.js';
import {
  encodeGetParameter,
  encodeInputSelect,
  encodeNullReply,
  encodeParameterReply,
  encodePowerControl,
  encodePowerControlReply,
  encodePowerStatusRead,
  encodePowerStatusReply,
  parseCommand,
  parseReply,
  type NecReply,
} from '../../../protocols/display-control/nec-messages.js';

const bytes = (spaced: string) => Buffer.from(spaced.replace(/\s+/g, ''), 'hex');

function decodeAll(...chunks: Buffer[]): { packets: NecPacket[]; errors: NecDecodeEvent[]; d: NecFrameDecoder } {
  const d = new NecFrameDecoder();
  const events = chunks.flatMap((c) => d.push(c));
  return { packets: events.flatMap((e) => (e.ok ? [e.packet] : [])), errors: events.filter((e) => !e.ok), d };
}

function reply(buf: Buffer): NecReply {
  const { packets } = decodeAll(buf);
  assert.equal(packets.length, 1);
  const r = parseReply(packets[0]!);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.reply;
}

describe('NEC external control: commands match the published byte strings', () => {
  // The "Control command diagram" of NEC's P702 user manual (monitor ID 1), checksums included.
  it('power on / off', () => {
    assert.deepEqual(encodePowerControl(1, 'on'), bytes('01 30 41 30 41 30 43 02 43 32 30 33 44 36 30 30 30 31 03 73 0d'));
    assert.deepEqual(encodePowerControl(1, 'off'), bytes('01 30 41 30 41 30 43 02 43 32 30 33 44 36 30 30 30 34 03 76 0d'));
  });

  it('input select', () => {
    assert.deepEqual(encodeInputSelect(1, 'displayport'), bytes('01 30 41 30 45 30 41 02 30 30 36 30 30 30 30 46 03 04 0d'));
    assert.deepEqual(encodeInputSelect(1, 'dvi'), bytes('01 30 41 30 45 30 41 02 30 30 36 30 30 30 30 33 03 71 0d'));
    assert.deepEqual(encodeInputSelect(1, 'vga'), bytes('01 30 41 30 45 30 41 02 30 30 36 30 30 30 30 31 03 73 0d'));
    assert.deepEqual(encodeInputSelect(1, 'hdmi'), bytes('01 30 41 30 45 30 41 02 30 30 36 30 30 30 31 31 03 72 0d'));
    assert.deepEqual(encodeInputSelect(1, 0x0c), bytes('01 30 41 30 45 30 41 02 30 30 36 30 30 30 30 43 03 01 0d'));
  });

  it('power status read is SOH 0 A 0 A 06 STX 01D6 ETX BCC CR (manual 7.1)', () => {
    const b = encodePowerStatusRead(1);
    assert.equal(b.subarray(0, 13).toString('latin1'), '\x010A0A06\x0201D6\x03');
    assert.equal(b[13], 0x30 ^ 0x41 ^ 0x30 ^ 0x41 ^ 0x30 ^ 0x36 ^ 0x02 ^ 0x30 ^ 0x31 ^ 0x44 ^ 0x36 ^ 0x03);
    assert.equal(b[14], 0x0d);
  });

  it('addresses monitor IDs 1..100 and refuses others', () => {
    assert.equal(monitorAddress(1), 0x41);
    assert.equal(monitorAddress(100), 0xa4);
    assert.equal(monitorAddress(0), null);
    assert.equal(monitorAddress(101), null);
    assert.throws(() => encodePowerStatusRead(0), RangeError);
    assert.equal(encodeGetParameter(26, 0x00, 0x60)[2], 0x5a);
  });
});

describe('NEC external control: replies', () => {
  it('power status reply: mode and result', () => {
    assert.deepEqual(reply(encodePowerStatusReply(3, 0, 0x0001)), { kind: 'power-status', monitorId: 3, result: 0, mode: 1 });
    assert.deepEqual(reply(encodePowerStatusReply(3, 0, 0x0004)), { kind: 'power-status', monitorId: 3, result: 0, mode: 4 });
    // The manual's example reply, header and body as printed (7.1).
    const p = decodeAll(encodePowerStatusReply(1, 0, 1)).packets[0]!;
    assert.equal(p.body.toString('latin1'), '0200D60000040001');
    assert.equal(p.source, 0x41);
    assert.equal(p.destination, CONTROLLER_ADDRESS);
  });

  it('power control reply, parameter replies, the NULL message', () => {
    assert.deepEqual(reply(encodePowerControlReply(2, 0, 4)), { kind: 'power-control', monitorId: 2, result: 0, mode: 4 });
    assert.deepEqual(reply(encodeParameterReply(2, 'get', { result: 0, page: 0, code: 0x60, opType: 0, max: 0x12, current: 0x11 })), {
      kind: 'get-parameter', monitorId: 2, result: 0, page: 0, code: 0x60, opType: 0, max: 0x12, current: 0x11,
    });
    assert.equal((reply(encodeParameterReply(2, 'set', { result: 1, page: 0, code: 0x60, opType: 0, max: 0, current: 0 })) as { result: number }).result, 1);
    assert.deepEqual(reply(encodeNullReply(7)), { kind: 'null', monitorId: 7 });
  });

  it('the monitor side reads the commands back', () => {
    const cmd = (b: Buffer) => {
      const r = parseCommand(decodeAll(b).packets[0]!);
      assert.ok(r.ok);
      return r.command;
    };
    assert.deepEqual(cmd(encodePowerControl(5, 'on')), { kind: 'power-control', mode: 1 });
    assert.deepEqual(cmd(encodePowerStatusRead(5)), { kind: 'power-status-read' });
    assert.deepEqual(cmd(encodeGetParameter(5, 0, 0x60)), { kind: 'get-parameter', page: 0, code: 0x60 });
    assert.deepEqual(cmd(encodeInputSelect(5, 'hdmi')), { kind: 'set-parameter', page: 0, code: 0x60, value: 0x11 });
  });

  it('refuses replies that are not for the controller or not from a monitor', () => {
    const p = decodeAll(encodePowerStatusRead(1)).packets[0]!; // a command, not a reply
    assert.equal(parseReply(p).ok, false);
    assert.equal(parseReply({ destination: 0x30, source: 0x20, type: 'B', body: Buffer.from('BE') }).ok, false);
    assert.equal(parseReply({ destination: 0x30, source: 0x41, type: 'D', body: Buffer.from('00zz') }).ok, false);
  });
});

describe('NEC frame decoder', () => {
  it('counts and refuses a bad checksum, then decodes the next packet', () => {
    const bad = encodePowerStatusReply(1, 0, 1);
    bad[bad.length - 2] = bad[bad.length - 2]! ^ 0x5a;
    const good = encodePowerControlReply(1, 0, 1);
    const { packets, errors, d } = decodeAll(Buffer.concat([bad, good]));
    assert.equal(packets.length, 1);
    assert.deepEqual(parseReply(packets[0]!), { ok: true, reply: { kind: 'power-control', monitorId: 1, result: 0, mode: 1 } });
    assert.deepEqual(errors.map((e) => !e.ok && e.error), ['bad-checksum']);
    assert.equal(d.stats.badChecksum, 1);
    assert.equal(d.stats.packets, 1);
  });

  it('resyncs after line noise that contains SOH', () => {
    const good = encodePowerStatusRead(4);
    const { packets, d } = decodeAll(bytes('ff 01 30 00 01 01 30 41 30'), good);
    assert.equal(packets.length, 1);
    assert.ok(d.stats.badHeader >= 1);
    assert.ok(d.stats.garbageBytes >= 9);
  });

  it('decodes one byte at a time', () => {
    const stream = Buffer.concat([encodePowerControl(9, 'on'), encodeInputSelect(9, 'hdmi')]);
    const d = new NecFrameDecoder();
    const got = [...stream].flatMap((b) => d.push(Buffer.from([b])));
    assert.equal(got.filter((e) => e.ok).length, 2);
  });
});

describe('NEC codec under fast-check', () => {
  const body = fc.stringMatching(/^[0-9A-F]{0,40}$/).map((s) => Buffer.from(s, 'latin1'));
  const packet = fc.record({
    destination: fc.constantFrom(0x30, 0x2a, ...Array.from({ length: 100 }, (_, i) => 0x41 + i)),
    source: fc.constantFrom(0x30, 0x41, 0x42, 0x64),
    type: fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F' as const),
    body,
  }) as fc.Arbitrary<NecPacket>;
  /** Splits a buffer into arbitrary chunks. */
  const chunked = (buf: Buffer, cuts: number[]) => {
    const at = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
    const out: Buffer[] = [];
    let prev = 0;
    for (const c of at) {
      out.push(buf.subarray(prev, c));
      prev = c;
    }
    out.push(buf.subarray(prev));
    return out;
  };

  it('never throws on arbitrary bytes in arbitrary chunks; what it accepts re-encodes to itself', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 20 }), (raw, cuts) => {
        const d = new NecFrameDecoder();
        for (const c of chunked(Buffer.from(raw), cuts)) {
          for (const e of d.push(c)) {
            if (!e.ok) continue;
            assert.ok(Buffer.from(raw).includes(encodePacket(e.packet)));
            parseReply(e.packet);
            parseCommand(e.packet);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('finds every packet among garbage without SOH, however the stream is chunked', () => {
    const noise = fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a.filter((b) => b !== 0x01)));
    fc.assert(
      fc.property(fc.array(fc.tuple(noise, packet), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (parts, cuts) => {
        const stream = Buffer.concat(parts.flatMap(([n, p]) => [n, encodePacket(p)]));
        const d = new NecFrameDecoder();
        const got = chunked(stream, cuts).flatMap((c) => d.push(c)).flatMap((e) => (e.ok ? [e.packet] : []));
        assert.deepEqual(got, parts.map(([, p]) => ({ ...p })));
      }),
      { numRuns: 300 },
    );
  });

  it('recovers every packet after arbitrary garbage (SOH included) once a frame-length of quiet follows', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), packet), { minLength: 1, maxLength: 5 }), (parts) => {
        const d = new NecFrameDecoder();
        const got: NecPacket[] = [];
        for (const [n, p] of parts) {
          // A fake header in the garbage may claim up to 264 bytes; idle-line bytes let it fail and the scan move on.
          for (const e of d.push(Buffer.concat([Buffer.from(n), Buffer.alloc(270, 0xff), encodePacket(p)]))) if (e.ok) got.push(e.packet);
        }
        const want = parts.map(([, p]) => encodePacket(p).toString('hex'));
        const have = got.map((p) => encodePacket(p).toString('hex'));
        for (const w of want) assert.ok(have.includes(w), 'every real packet is found');
      }),
      { numRuns: 200 },
    );
  });

  it('refuses and counts any single corrupted byte in the check code', () => {
    fc.assert(
      fc.property(packet, fc.integer({ min: 1, max: 255 }), (p, flip) => {
        const b = encodePacket(p);
        b[b.length - 2] = b[b.length - 2]! ^ flip;
        const d = new NecFrameDecoder();
        const events = d.push(b);
        assert.equal(events.filter((e) => e.ok).length, 0);
        assert.equal(d.stats.badChecksum, 1);
      }),
      { numRuns: 200 },
    );
  });
});
