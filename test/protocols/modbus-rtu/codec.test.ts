import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ModbusReplyDecoder,
  ModbusRequestDecoder,
  crc16Modbus,
  decodeReadInputs,
  encodeException,
  encodeInputsReply,
  encodeReadInputs,
  type ReplyEvent,
} from '../../../protocols/modbus-rtu/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Splits bytes at the given cut points. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  return out;
}

describe('Modbus RTU codec (Read Discrete Inputs)', () => {
  it('computes CRC-16/MODBUS as the spec and its published examples do', () => {
    assert.equal(crc16Modbus(Buffer.from('123456789')), 0x4b37, 'the CRC catalogue check value');
    // Unit 1, read 8 inputs from 0: the frame every Modbus tool prints.
    assert.equal(hex(encodeReadInputs({ unit: 1, start: 0, quantity: 8 })), '010200000008' + '79cc');
  });

  it('decodes a reply into levels, LSB first, and an exception with its meaning', () => {
    const d = new ModbusReplyDecoder();
    const levels = [true, false, true, true, false, false, false, true, true];
    const [e] = d.push(encodeInputsReply(7, levels));
    assert.ok(e?.ok && e.reply.kind === 'inputs');
    assert.equal(e.reply.unit, 7);
    assert.deepEqual(e.reply.bits.slice(0, 9), levels);
    assert.equal(e.reply.bits.length, 16, 'two status bytes');
    const [x] = d.push(encodeException(7, 2, 2));
    assert.ok(x?.ok && x.reply.kind === 'exception');
    assert.deepEqual({ fn: x.reply.function, code: x.reply.code, meaning: x.reply.meaning }, { fn: 2, code: 2, meaning: 'illegal data address' });
  });

  it('refuses a reply whose CRC is wrong and finds the good one after it', () => {
    const bad = encodeInputsReply(1, [true, true]);
    bad[3]! ^= 0x01;
    const good = encodeInputsReply(1, [false, true]);
    const events = new ModbusReplyDecoder().push(Buffer.concat([bad, good]));
    assert.ok(events.some((e) => !e.ok && e.error === 'crc'));
    const replies = events.filter((e): e is Extract<ReplyEvent, { ok: true }> => e.ok);
    assert.equal(replies.length, 1);
    assert.deepEqual(replies[0]!.reply.kind === 'inputs' && replies[0]!.reply.bits.slice(0, 2), [false, true]);
  });

  it('refuses bad request parameters when encoding', () => {
    assert.throws(() => encodeReadInputs({ unit: 0, start: 0, quantity: 8 }), /unit/);
    assert.throws(() => encodeReadInputs({ unit: 1, start: 0, quantity: 0 }), /quantity/);
    assert.throws(() => encodeReadInputs({ unit: 1, start: 65530, quantity: 8 }), /beyond/);
  });

  it('fuzz: any reply, in any chunks, decodes to exactly what was encoded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 247 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }), fc.array(fc.nat(), { maxLength: 6 }), (unit, levels, cuts) => {
        const d = new ModbusReplyDecoder();
        const events = chunked(encodeInputsReply(unit, levels), cuts).flatMap((c) => d.push(c));
        assert.equal(events.length, 1);
        const e = events[0]!;
        assert.ok(e.ok && e.reply.kind === 'inputs');
        assert.equal(e.reply.unit, unit);
        assert.deepEqual(e.reply.bits.slice(0, levels.length), levels);
        assert.ok(e.reply.bits.slice(levels.length).every((b) => !b), 'padding bits are zero');
      }),
    );
  });

  it('fuzz: any bytes in any chunks never throw, and every reply reported has a good CRC', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        const d = new ModbusReplyDecoder();
        for (const c of chunks) for (const e of d.push(c)) if (e.ok) assert.equal(crc16Modbus(e.frame), 0, 'a frame with its CRC appended checks to 0');
      }),
    );
  });

  it('fuzz: garbage before a reply costs the garbage, never the reply (unless it hides a valid frame)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 16 }), (noise, levels) => {
        const events = new ModbusReplyDecoder().push(Buffer.concat([noise, encodeInputsReply(3, levels)]));
        const last = events.filter((e) => e.ok).at(-1);
        assert.ok(last?.ok && last.reply.kind === 'inputs' && last.reply.unit === 3);
      }),
    );
  });

  it('fuzz: requests round-trip through the server-side splitter in any chunks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 247 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 2000 }), fc.array(fc.nat(), { maxLength: 4 }), fc.uint8Array({ maxLength: 20 }), (unit, start, quantity, cuts, noise) => {
        const frame = encodeReadInputs({ unit, start, quantity });
        assert.deepEqual(decodeReadInputs(frame), { unit, start, quantity });
        const d = new ModbusRequestDecoder();
        const got = chunked(Buffer.concat([noise, frame]), cuts).flatMap((c) => d.push(c));
        assert.deepEqual(got.at(-1), { unit, start, quantity });
      }),
    );
  });
});
