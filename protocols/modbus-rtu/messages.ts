import { crcOk, withCrc } from './crc.js';

/**
 * Modbus RTU function 0x02, Read Discrete Inputs (Modbus Application
 * Protocol V1.1b3, 6.2), the only function a discrete-input poll needs.
 *
 *   request:   unit | 0x02 | start hi lo | quantity hi lo | crc lo hi   (8 bytes)
 *   reply:     unit | 0x02 | byte count N | N status bytes | crc lo hi
 *   exception: unit | 0x82 | exception code | crc lo hi                  (5 bytes)
 *
 * Input `start + i` is bit (i % 8) of status byte floor(i / 8), LSB first;
 * unused high bits of the last byte are zero.
 */
export const READ_DISCRETE_INPUTS = 0x02;
/** The spec's limit for one request. */
export const MAX_INPUTS = 2000;

export const EXCEPTIONS: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export interface ReadInputsRequest {
  unit: number;
  start: number;
  quantity: number;
}

export type ModbusReply =
  | { kind: 'inputs'; unit: number; /** Input levels from `start`, as many as the byte count carries (8 per byte). */ bits: boolean[] }
  | { kind: 'exception'; unit: number; function: number; code: number; meaning: string };

function checkRequest(r: ReadInputsRequest): void {
  if (!Number.isInteger(r.unit) || r.unit < 1 || r.unit > 247) throw new RangeError(`unit ${r.unit} is not 1..247`);
  if (!Number.isInteger(r.quantity) || r.quantity < 1 || r.quantity > MAX_INPUTS) throw new RangeError(`quantity ${r.quantity} is not 1..${MAX_INPUTS}`);
  if (!Number.isInteger(r.start) || r.start < 0 || r.start + r.quantity > 0x10000) throw new RangeError(`start ${r.start} + ${r.quantity} is beyond 65535`);
}

export function encodeReadInputs(r: ReadInputsRequest): Buffer {
  checkRequest(r);
  const body = Buffer.alloc(6);
  body[0] = r.unit;
  body[1] = READ_DISCRETE_INPUTS;
  body.writeUInt16BE(r.start, 2);
  body.writeUInt16BE(r.quantity, 4);
  return withCrc(body);
}

/** The server side (the simulated module): an 8-byte request frame, or null if it is not one with a good CRC. */
export function decodeReadInputs(frame: Uint8Array): ReadInputsRequest | null {
  if (frame.length !== 8 || frame[1] !== READ_DISCRETE_INPUTS || !crcOk(frame)) return null;
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  return { unit: b[0]!, start: b.readUInt16BE(2), quantity: b.readUInt16BE(4) };
}

export function encodeInputsReply(unit: number, levels: readonly boolean[]): Buffer {
  const n = Math.ceil(levels.length / 8);
  const body = Buffer.alloc(3 + n);
  body[0] = unit;
  body[1] = READ_DISCRETE_INPUTS;
  body[2] = n;
  levels.forEach((on, i) => {
    if (on) body[3 + (i >> 3)]! |= 1 << (i & 7);
  });
  return withCrc(body);
}

export function encodeException(unit: number, fn: number, code: number): Buffer {
  return withCrc(Uint8Array.of(unit, (fn | 0x80) & 0xff, code & 0xff));
}

export type ReplyEvent = { ok: true; reply: ModbusReply; frame: Buffer } | { ok: false; error: 'crc' | 'unexpected' | 'overflow'; detail: string };

/** The longest RTU frame (6.2.1 of the serial line spec). */
const MAX_FRAME = 256;

/**
 * Splits a master's received byte stream into replies. RTU frames end with
 * 3.5 character times of silence, which a pty and a USB adapter's buffering
 * both blur, so the decoder frames by length instead (the master knows what
 * it asked: function 0x02 or its exception). A byte that starts no known
 * frame, or a frame with a bad CRC, costs one byte and the search goes on (a
 * partial frame gives way to a complete good one further on);
 * any bytes in any chunks never throw. reset() drops a partial frame: the
 * master calls it before each request, so a late reply cannot be taken for
 * the next one's.
 */
export class ModbusReplyDecoder {
  #buf: Buffer = Buffer.alloc(0);

  reset(): void {
    this.#buf = Buffer.alloc(0);
  }

  push(chunk: Uint8Array): ReplyEvent[] {
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    const out: ReplyEvent[] = [];
    let skipped = 0;
    const flushSkipped = () => {
      if (skipped > 0) out.push({ ok: false, error: 'unexpected', detail: `${skipped} byte(s) that start no Read Discrete Inputs reply` });
      skipped = 0;
    };
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) break;
      const fn = b[1]!;
      let len: number;
      if (fn === READ_DISCRETE_INPUTS) {
        if (b.length < 3) break;
        len = 5 + b[2]!;
      } else if (fn === (READ_DISCRETE_INPUTS | 0x80)) len = 5;
      else {
        this.#buf = b.subarray(1);
        skipped++;
        continue;
      }
      if (b.length < len) {
        // A noise byte can look like the start of a long frame; a complete good frame further on wins over waiting for it.
        const at = nextGoodFrame(b);
        if (at < 0) break;
        this.#buf = b.subarray(at);
        skipped += at;
        continue;
      }
      const frame = Buffer.from(b.subarray(0, len));
      if (!crcOk(frame)) {
        flushSkipped();
        out.push({ ok: false, error: 'crc', detail: `CRC mismatch in a ${len}-byte frame` });
        this.#buf = b.subarray(1);
        continue;
      }
      flushSkipped();
      this.#buf = b.subarray(len);
      out.push({ ok: true, frame, reply: parseFrame(frame) });
    }
    flushSkipped();
    if (this.#buf.length > MAX_FRAME) {
      out.push({ ok: false, error: 'overflow', detail: `${this.#buf.length} bytes without a frame` });
      this.#buf = Buffer.alloc(0);
    }
    return out;
  }
}

/** The first offset > 0 where a complete frame with a good CRC starts, or -1. */
function nextGoodFrame(b: Buffer): number {
  for (let i = 1; i + 5 <= b.length; i++) {
    const fn = b[i + 1]!;
    const len = fn === READ_DISCRETE_INPUTS ? 5 + b[i + 2]! : fn === (READ_DISCRETE_INPUTS | 0x80) ? 5 : 0;
    if (len > 0 && i + len <= b.length && crcOk(b.subarray(i, i + len))) return i;
  }
  return -1;
}

function parseFrame(f: Buffer): ModbusReply {
  if (f[1] === READ_DISCRETE_INPUTS) {
    const bits: boolean[] = [];
    for (let i = 0; i < f[2]! * 8; i++) bits.push(((f[3 + (i >> 3)]! >> (i & 7)) & 1) === 1);
    return { kind: 'inputs', unit: f[0]!, bits };
  }
  const code = f[2]!;
  return { kind: 'exception', unit: f[0]!, function: f[1]! & 0x7f, code, meaning: EXCEPTIONS[code] ?? `exception ${code}` };
}

/** The server side's splitter (the simulated module): 8-byte Read Discrete Inputs requests; anything else costs a byte. */
export class ModbusRequestDecoder {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): ReadInputsRequest[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: ReadInputsRequest[] = [];
    while (this.#buf.length >= 8) {
      const r = decodeReadInputs(this.#buf.subarray(0, 8));
      if (r) {
        out.push(r);
        this.#buf = this.#buf.subarray(8);
      } else this.#buf = this.#buf.subarray(1);
    }
    return out;
  }
}
