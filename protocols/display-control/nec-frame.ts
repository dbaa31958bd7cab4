/**
 * NEC large-format display "External Control" framing over RS-232 (9600 8N1):
 *
 *   SOH '0' DEST SRC TYPE LEN_HI LEN_LO | STX ...message... ETX | BCC | CR
 *
 * LEN is the message length (STX..ETX inclusive) as two ASCII hex digits;
 * BCC is the XOR of every byte after SOH up to and including ETX. DEST/SRC
 * are addresses: the controller is '0', monitor ID n (1..100) is 0x40 + n,
 * '*' is every monitor. Source: NEC "External Control" manuals, sections
 * 4.1-4.5 (see docs/monitors.md).
 */

export const SOH = 0x01;
export const STX = 0x02;
export const ETX = 0x03;
export const CR = 0x0d;
const RESERVED = 0x30; // '0'
/** The controller's own address (as destination of replies, source of commands). */
export const CONTROLLER_ADDRESS = 0x30;
/** Destination 'every monitor'. */
export const ALL_MONITORS_ADDRESS = 0x2a;
const HEADER_LEN = 7;
/** Two hex digits of length: STX + at most 253 bytes + ETX. */
const MAX_MESSAGE_LEN = 0xff;

/** A: command, B: command reply, C: get parameter, D: its reply, E: set parameter, F: its reply. */
export type NecMessageType = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
const TYPES = new Set<number>([0x41, 0x42, 0x43, 0x44, 0x45, 0x46]);

export interface NecPacket {
  destination: number;
  source: number;
  type: NecMessageType;
  /** The bytes between STX and ETX (ASCII for every documented message). */
  body: Buffer;
}

/** Address of monitor ID 1..100 ('A' is ID 1), or null outside that range. */
export function monitorAddress(monitorId: number): number | null {
  return Number.isInteger(monitorId) && monitorId >= 1 && monitorId <= 100 ? 0x40 + monitorId : null;
}

/** Monitor ID 1..100 from an address byte, or null. */
export function monitorIdOf(address: number): number | null {
  return address >= 0x41 && address <= 0xa4 ? address - 0x40 : null;
}

export function bcc(bytes: Uint8Array, from: number, to: number): number {
  let x = 0;
  for (let i = from; i < to; i++) x ^= bytes[i]!;
  return x;
}

export function hex(value: number, digits: number): string {
  return value.toString(16).toUpperCase().padStart(digits, '0').slice(-digits);
}

/** Parses `digits` ASCII hex characters at `at`; null unless every one is 0-9A-Fa-f. */
export function parseHex(bytes: Uint8Array, at: number, digits: number): number | null {
  let v = 0;
  for (let i = at; i < at + digits; i++) {
    const c = bytes[i];
    if (c === undefined) return null;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return null;
    v = v * 16 + d;
  }
  return v;
}

export function encodePacket(p: NecPacket): Buffer {
  const messageLen = p.body.length + 2;
  if (messageLen > MAX_MESSAGE_LEN) throw new RangeError(`NEC message too long: ${messageLen} bytes`);
  const out = Buffer.alloc(HEADER_LEN + messageLen + 2);
  out[0] = SOH;
  out[1] = RESERVED;
  out[2] = p.destination;
  out[3] = p.source;
  out[4] = p.type.charCodeAt(0);
  out.write(hex(messageLen, 2), 5, 'latin1');
  out[7] = STX;
  p.body.copy(out, 8);
  out[7 + messageLen - 1] = ETX;
  out[7 + messageLen] = bcc(out, 1, 7 + messageLen);
  out[7 + messageLen + 1] = CR;
  return out;
}

export type NecFrameError = 'bad-header' | 'bad-framing' | 'bad-checksum';

export type NecDecodeEvent = { ok: true; packet: NecPacket } | { ok: false; error: NecFrameError; detail: string };

export interface NecDecoderStats {
  packets: number;
  badHeader: number;
  badFraming: number;
  badChecksum: number;
  /** Bytes skipped while looking for SOH (line noise, half packets, refused frames). */
  garbageBytes: number;
}

/**
 * Incremental decoder: bytes arrive in arbitrary chunks. Never throws. A
 * refused frame gives up only its SOH and the scan resumes at the next byte,
 * so a real packet that started inside a bad one is still found. Holds at most
 * one frame (264 bytes) of pending input.
 */
export class NecFrameDecoder {
  #buf: Buffer = Buffer.alloc(0);
  readonly stats: NecDecoderStats = { packets: 0, badHeader: 0, badFraming: 0, badChecksum: 0, garbageBytes: 0 };

  push(chunk: Uint8Array): NecDecodeEvent[] {
    const events: NecDecodeEvent[] = [];
    let buf: Buffer = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : Buffer.from(chunk);
    for (;;) {
      const start = buf.indexOf(SOH);
      if (start < 0) {
        this.stats.garbageBytes += buf.length;
        buf = Buffer.alloc(0);
        break;
      }
      if (start > 0) {
        this.stats.garbageBytes += start;
        buf = buf.subarray(start);
      }
      if (buf.length < HEADER_LEN) break;
      const len = parseHex(buf, 5, 2);
      if (buf[1] !== RESERVED || !TYPES.has(buf[4]!) || len === null || len < 2) {
        this.stats.badHeader++;
        events.push({ ok: false, error: 'bad-header', detail: `header ${buf.subarray(0, HEADER_LEN).toString('hex')}` });
        buf = this.#skipOne(buf);
        continue;
      }
      const total = HEADER_LEN + len + 2;
      if (buf.length < total) break;
      if (buf[HEADER_LEN] !== STX || buf[HEADER_LEN + len - 1] !== ETX || buf[total - 1] !== CR) {
        this.stats.badFraming++;
        events.push({ ok: false, error: 'bad-framing', detail: 'STX, ETX or CR not where the length says' });
        buf = this.#skipOne(buf);
        continue;
      }
      const expected = bcc(buf, 1, HEADER_LEN + len);
      const got = buf[HEADER_LEN + len]!;
      if (expected !== got) {
        this.stats.badChecksum++;
        events.push({ ok: false, error: 'bad-checksum', detail: `BCC ${hex(got, 2)}, expected ${hex(expected, 2)}` });
        buf = this.#skipOne(buf);
        continue;
      }
      this.stats.packets++;
      events.push({
        ok: true,
        packet: {
          destination: buf[2]!,
          source: buf[3]!,
          type: String.fromCharCode(buf[4]!) as NecMessageType,
          body: Buffer.from(buf.subarray(HEADER_LEN + 1, HEADER_LEN + len - 1)),
        },
      });
      buf = buf.subarray(total);
    }
    // Keep a copy so the caller's chunk buffer can be reused.
    this.#buf = Buffer.from(buf);
    return events;
  }

  /** Drops pending bytes (after a reopen the half packet is stale). */
  reset(): void {
    this.stats.garbageBytes += this.#buf.length;
    this.#buf = Buffer.alloc(0);
  }

  #skipOne(buf: Buffer): Buffer {
    this.stats.garbageBytes += 1;
    return buf.subarray(1);
  }
}
