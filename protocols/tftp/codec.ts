import { isUtf8 } from 'node:buffer';

/**
 * TFTP packets (RFC 1350) with the option extension (RFC 2347) and the options
 * of RFCs 2348 (blksize), 2349 (timeout, tsize) and 7440 (windowsize).
 * Parsing never throws: garbage yields a typed error carrying the TFTP error
 * code to answer with.
 */

export const Opcode = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

export const ErrorCode = {
  NotDefined: 0,
  FileNotFound: 1,
  AccessViolation: 2,
  DiskFull: 3,
  IllegalOperation: 4,
  UnknownTransferId: 5,
  FileExists: 6,
  NoSuchUser: 7,
  OptionRefused: 8,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** RFC 2348: blksize below 8 is refused; above 65464 the server answers with less. */
export const MIN_BLKSIZE = 8;
export const MAX_BLKSIZE = 65464;
/** RFC 2349 timeout range, in seconds. */
export const MIN_TIMEOUT_S = 1;
export const MAX_TIMEOUT_S = 255;

export type Mode = 'netascii' | 'octet' | 'mail';

/** Options a client asked for, validated; absent means not requested or not understood. */
export interface RequestOptions {
  blksize?: number;
  timeout?: number;
  tsize?: number;
  windowsize?: number;
}

export interface RequestPacket {
  op: 'rrq' | 'wrq';
  filename: string;
  mode: Mode;
  options: RequestOptions;
}

export type Packet =
  | RequestPacket
  | { op: 'data'; block: number; data: Buffer }
  | { op: 'ack'; block: number }
  | { op: 'error'; code: number; message: string }
  | { op: 'oack'; options: Map<string, string> };

export type ParseResult = { ok: true; packet: Packet } | { ok: false; code: ErrorCode; message: string };

const fail = (code: ErrorCode, message: string): ParseResult => ({ ok: false, code, message });
const malformed = (message: string): ParseResult => fail(ErrorCode.IllegalOperation, message);

export function parsePacket(buf: Buffer): ParseResult {
  if (buf.length < 2) return malformed('packet too short');
  const op = buf.readUInt16BE(0);
  switch (op) {
    case Opcode.RRQ:
    case Opcode.WRQ:
      return parseRequest(buf, op === Opcode.RRQ ? 'rrq' : 'wrq');
    case Opcode.DATA:
      if (buf.length < 4) return malformed('DATA too short');
      return { ok: true, packet: { op: 'data', block: buf.readUInt16BE(2), data: buf.subarray(4) } };
    case Opcode.ACK:
      if (buf.length < 4) return malformed('ACK too short');
      return { ok: true, packet: { op: 'ack', block: buf.readUInt16BE(2) } };
    case Opcode.ERROR: {
      if (buf.length < 4) return malformed('ERROR too short');
      // Lenient about a missing terminator: an ERROR ends the transfer either way.
      const end = buf.indexOf(0, 4);
      const message = buf.toString('latin1', 4, end === -1 ? buf.length : end);
      return { ok: true, packet: { op: 'error', code: buf.readUInt16BE(2), message } };
    }
    case Opcode.OACK: {
      const pairs = parsePairs(buf, 2);
      if (!pairs) return malformed('malformed OACK options');
      return { ok: true, packet: { op: 'oack', options: new Map(pairs) } };
    }
    default:
      return malformed(`unknown opcode ${op}`);
  }
}

function parseRequest(buf: Buffer, op: 'rrq' | 'wrq'): ParseResult {
  const nameEnd = buf.indexOf(0, 2);
  if (nameEnd === -1) return malformed('filename not terminated');
  const modeEnd = buf.indexOf(0, nameEnd + 1);
  if (modeEnd === -1) return malformed('mode not terminated');
  const nameBytes = buf.subarray(2, nameEnd);
  if (!isUtf8(nameBytes)) return malformed('filename is not valid UTF-8');
  const mode = buf.toString('latin1', nameEnd + 1, modeEnd).toLowerCase();
  if (mode !== 'octet' && mode !== 'netascii' && mode !== 'mail') return malformed(`unknown mode "${mode.slice(0, 20)}"`);
  const pairs = parsePairs(buf, modeEnd + 1);
  if (!pairs) return malformed('malformed options');
  const options = interpretOptions(pairs);
  if (typeof options === 'string') return fail(ErrorCode.OptionRefused, options);
  return { ok: true, packet: { op, filename: nameBytes.toString('utf8'), mode, options } };
}

/**
 * NUL-terminated name/value pairs from `start` to the end, names lowercased
 * (RFC 2347: case-insensitive). Trailing NUL padding, which some boot ROMs
 * send, is tolerated; an unterminated string or a name without a value is not.
 */
function parsePairs(buf: Buffer, start: number): Array<[string, string]> | undefined {
  const pairs: Array<[string, string]> = [];
  let pos = start;
  while (pos < buf.length) {
    if (buf[pos] === 0) return buf.subarray(pos).every((b) => b === 0) ? pairs : undefined;
    const nameEnd = buf.indexOf(0, pos);
    if (nameEnd === -1) return undefined;
    const valueEnd = buf.indexOf(0, nameEnd + 1);
    if (valueEnd === -1) return undefined;
    pairs.push([buf.toString('latin1', pos, nameEnd).toLowerCase(), buf.toString('latin1', nameEnd + 1, valueEnd)]);
    pos = valueEnd + 1;
  }
  return pairs;
}

/** A plain decimal count; anything else (sign, space, hex, empty) is NaN. */
function decimal(value: string): number {
  return /^[0-9]{1,15}$/.test(value) ? Number(value) : Number.NaN;
}

/** Known options validated against their RFC ranges; the first occurrence of a name wins; unknown names are ignored. Returns the refusal reason on a bad value. */
function interpretOptions(pairs: Array<[string, string]>): RequestOptions | string {
  const options: RequestOptions = {};
  for (const [name, value] of pairs) {
    if (name === 'blksize' && options.blksize === undefined) {
      const n = decimal(value);
      if (!(n >= MIN_BLKSIZE)) return `blksize "${value.slice(0, 20)}" is below ${MIN_BLKSIZE} or not a number`;
      options.blksize = n;
    } else if (name === 'windowsize' && options.windowsize === undefined) {
      const n = decimal(value);
      if (!(n >= 1)) return `windowsize "${value.slice(0, 20)}" is below 1 or not a number`;
      options.windowsize = n;
    } else if (name === 'timeout' && options.timeout === undefined) {
      const n = decimal(value);
      if (!(n >= MIN_TIMEOUT_S && n <= MAX_TIMEOUT_S)) return `timeout "${value.slice(0, 20)}" is outside ${MIN_TIMEOUT_S}-${MAX_TIMEOUT_S} s`;
      options.timeout = n;
    } else if (name === 'tsize' && options.tsize === undefined) {
      // In a RRQ the value carries nothing (RFC 2349 says 0); some clients send
      // other text, and refusing them would only break their download.
      const n = decimal(value);
      options.tsize = Number.isNaN(n) ? 0 : n;
    }
  }
  return options;
}

export function encodeRequest(
  op: 'rrq' | 'wrq',
  filename: string,
  mode: string,
  options: Record<string, string | number> = {},
): Buffer {
  const parts = [filename, mode, ...Object.entries(options).flatMap(([k, v]) => [k, String(v)])];
  const head = Buffer.alloc(2);
  head.writeUInt16BE(op === 'rrq' ? Opcode.RRQ : Opcode.WRQ);
  return Buffer.concat([head, ...parts.map((p) => Buffer.from(`${p}\0`, 'utf8'))]);
}

/** Writes a DATA header at `offset`: the block number on the wire is 16 bits and wraps to 0. */
export function writeDataHeader(buf: Buffer, offset: number, block: number): void {
  buf.writeUInt16BE(Opcode.DATA, offset);
  buf.writeUInt16BE(block & 0xffff, offset + 2);
}

export function encodeData(block: number, payload: Buffer): Buffer {
  const buf = Buffer.allocUnsafe(4 + payload.length);
  writeDataHeader(buf, 0, block);
  payload.copy(buf, 4);
  return buf;
}

export function encodeAck(block: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf.writeUInt16BE(Opcode.ACK, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
  return buf;
}

export function encodeError(code: ErrorCode, message: string): Buffer {
  const text = Buffer.from(message, 'latin1');
  const buf = Buffer.alloc(5 + text.length);
  buf.writeUInt16BE(Opcode.ERROR, 0);
  buf.writeUInt16BE(code, 2);
  text.copy(buf, 4);
  return buf;
}

export function encodeOack(options: ReadonlyArray<readonly [string, string | number]>): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(Opcode.OACK);
  return Buffer.concat([head, ...options.map(([k, v]) => Buffer.from(`${k}\0${v}\0`, 'latin1'))]);
}
