/**
 * How words come off an ARINC-to-serial adapter. Adapters differ, so the
 * framing is pluggable: a WordFramer takes byte chunks as the port delivers
 * them (split anywhere) and yields whole words and framing errors. Framers
 * never throw and never grow without bound: garbage is skipped, counted and
 * the next valid frame is found again.
 */
import { labelOf, labelToOctal } from './word.js';

export type FramingErrorReason =
  /** Bytes skipped while hunting for a frame start (counted once per run of garbage). */
  | 'garbage'
  /** A sync-framed word whose checksum did not match. */
  | 'bad-checksum'
  /** An ASCII line that is not a word. */
  | 'bad-line'
  /** An ASCII line longer than any word line: dropped. */
  | 'line-too-long'
  /** The L<label> prefix disagrees with the label inside the word. */
  | 'label-mismatch';

export interface FramingError {
  reason: FramingErrorReason;
  /** How many bytes were thrown away. */
  bytes: number;
}

export type FramedItem = { kind: 'word'; raw: number } | { kind: 'error'; error: FramingError };

export interface WordFramer {
  /** Feeds one chunk; returns what it completed, in order. */
  push(chunk: Uint8Array): FramedItem[];
  /** Bytes held for an incomplete frame. */
  readonly pending: number;
}

export type FramingName = 'binary-sync' | 'ascii-lines';

export function createFramer(name: FramingName): WordFramer {
  return name === 'binary-sync' ? new BinarySyncFramer() : new AsciiLineFramer();
}

// ---- (a) binary: A5 w0 w1 w2 w3 xor ----

export const SYNC = 0xa5;
export const BINARY_FRAME_LENGTH = 6;

/**
 * Frame: 0xA5, the word little-endian (bits 1-8 first, as the word's first
 * byte on the wire holds the label), then the XOR of the four word bytes.
 * A 0xA5 inside a word is possible, so after a bad checksum the search
 * restarts one byte after the failed sync, not after the whole frame: a
 * valid frame that begins inside the bad one is never lost.
 */
export class BinarySyncFramer implements WordFramer {
  #buf: Uint8Array = new Uint8Array(0);

  get pending(): number {
    return this.#buf.length;
  }

  push(chunk: Uint8Array): FramedItem[] {
    const buf = this.#buf.length === 0 ? chunk : concat(this.#buf, chunk);
    const out: FramedItem[] = [];
    let i = 0;
    let garbage = 0;
    const flushGarbage = (): void => {
      if (garbage > 0) out.push({ kind: 'error', error: { reason: 'garbage', bytes: garbage } });
      garbage = 0;
    };
    while (i < buf.length) {
      if (buf[i] !== SYNC) {
        garbage++;
        i++;
        continue;
      }
      if (buf.length - i < BINARY_FRAME_LENGTH) break; // wait for the rest
      const b0 = buf[i + 1]!;
      const b1 = buf[i + 2]!;
      const b2 = buf[i + 3]!;
      const b3 = buf[i + 4]!;
      if ((b0 ^ b1 ^ b2 ^ b3) !== buf[i + 5]) {
        flushGarbage();
        out.push({ kind: 'error', error: { reason: 'bad-checksum', bytes: 1 } });
        i++;
        continue;
      }
      flushGarbage();
      out.push({ kind: 'word', raw: (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0 });
      i += BINARY_FRAME_LENGTH;
    }
    flushGarbage();
    this.#buf = buf.slice(i);
    return out;
  }
}

export function encodeBinaryFrame(raw: number): Uint8Array {
  const w = raw >>> 0;
  const b = [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, (w >>> 24) & 0xff];
  return Uint8Array.from([SYNC, ...b, b[0]! ^ b[1]! ^ b[2]! ^ b[3]!]);
}

// ---- (b) ASCII lines: "L203 E1234567\r\n" or "E1234567\n" ----

/** "L377 " + 8 hex digits + CR; anything longer is not a word line. */
export const MAX_LINE = 16;
const LINE = /^(?:L([0-7]{3})[ \t]+)?([0-9A-Fa-f]{8})$/;

/**
 * One word per line: 8 hex digits of the 32-bit word (bit 32 first, as
 * printed), optionally preceded by `L<octal label> `. CR, LF or CRLF end a
 * line; blank lines are ignored. When the label prefix is there it must
 * agree with the word's own label, which catches a shifted or torn line.
 */
export class AsciiLineFramer implements WordFramer {
  #line = '';
  #overflow = 0;

  get pending(): number {
    return this.#line.length + this.#overflow;
  }

  push(chunk: Uint8Array): FramedItem[] {
    const out: FramedItem[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === 0x0a || c === 0x0d) {
        this.#endLine(out);
        continue;
      }
      if (this.#overflow > 0 || this.#line.length >= MAX_LINE) {
        this.#overflow += this.#overflow === 0 ? this.#line.length + 1 : 1;
        this.#line = '';
        continue;
      }
      this.#line += String.fromCharCode(c);
    }
    return out;
  }

  #endLine(out: FramedItem[]): void {
    if (this.#overflow > 0) {
      out.push({ kind: 'error', error: { reason: 'line-too-long', bytes: this.#overflow } });
      this.#overflow = 0;
      this.#line = '';
      return;
    }
    const text = this.#line.trim();
    this.#line = '';
    if (text === '') return;
    const m = LINE.exec(text);
    if (!m) {
      out.push({ kind: 'error', error: { reason: 'bad-line', bytes: text.length } });
      return;
    }
    const raw = parseInt(m[2]!, 16) >>> 0;
    if (m[1] !== undefined) {
      const label = parseInt(m[1], 8);
      if (label !== labelOf(raw)) {
        out.push({ kind: 'error', error: { reason: 'label-mismatch', bytes: text.length } });
        return;
      }
    }
    out.push({ kind: 'word', raw });
  }
}

export function encodeAsciiLine(raw: number, withLabel = true): Uint8Array {
  const hex = (raw >>> 0).toString(16).toUpperCase().padStart(8, '0');
  const prefix = withLabel ? `L${labelToOctal(labelOf(raw))} ` : '';
  return Buffer.from(`${prefix}${hex}\r\n`, 'latin1');
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
