/** RTP fixed header, CSRC list, header extension and padding (RFC 3550 section 5.1). */

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  /** The header extension's profile-defined id and length in 32-bit words; its data is skipped. */
  extension: { profile: number; words: number } | null;
  /** A view into the datagram, padding removed: no copy per packet. */
  payload: Uint8Array;
}

export type RtpParseError =
  | 'too-short'
  | 'bad-version'
  | 'csrc-overflow'
  | 'extension-overflow'
  | 'bad-padding';

export type RtpParseResult = { ok: true; packet: RtpPacket } | { ok: false; reason: RtpParseError };

const FIXED_HEADER = 12;

/** Never throws: a datagram is either a packet or the reason it is not one. */
export function parseRtp(bytes: Uint8Array): RtpParseResult {
  if (bytes.length < FIXED_HEADER) return fail('too-short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  if (b0 >> 6 !== 2) return fail('bad-version');

  const csrcCount = b0 & 0x0f;
  let offset = FIXED_HEADER + 4 * csrcCount;
  if (offset > bytes.length) return fail('csrc-overflow');
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(view.getUint32(FIXED_HEADER + 4 * i));

  let extension: RtpPacket['extension'] = null;
  if (b0 & 0x10) {
    if (offset + 4 > bytes.length) return fail('extension-overflow');
    extension = { profile: view.getUint16(offset), words: view.getUint16(offset + 2) };
    offset += 4 + 4 * extension.words;
    if (offset > bytes.length) return fail('extension-overflow');
  }

  let end = bytes.length;
  if (b0 & 0x20) {
    // The last octet counts the padding, itself included: 0 or more than the payload is malformed.
    const padding = bytes[bytes.length - 1]!;
    if (padding === 0 || padding > end - offset) return fail('bad-padding');
    end -= padding;
  }

  return {
    ok: true,
    packet: {
      marker: (b1 & 0x80) !== 0,
      payloadType: b1 & 0x7f,
      sequence: view.getUint16(2),
      timestamp: view.getUint32(4),
      ssrc: view.getUint32(8),
      csrcs,
      extension,
      payload: bytes.subarray(offset, end),
    },
  };
}

export interface RtpHeaderFields {
  marker?: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrcs?: number[];
  /** Extension data is written as zero words. */
  extension?: { profile: number; words: number };
  /** Padding octets to append (1-255); the sender's choice, e.g. for block ciphers. */
  padding?: number;
}

export function encodeRtp(h: RtpHeaderFields, payload: Uint8Array): Buffer {
  const csrcs = h.csrcs ?? [];
  const extBytes = h.extension ? 4 + 4 * h.extension.words : 0;
  const padding = h.padding ?? 0;
  if (csrcs.length > 15) throw new RangeError('RTP carries at most 15 CSRCs');
  if (padding < 0 || padding > 255) throw new RangeError('RTP padding is 0-255 octets');
  const headerBytes = FIXED_HEADER + 4 * csrcs.length + extBytes;
  const out = Buffer.alloc(headerBytes + payload.length + padding);
  out[0] = 0x80 | (padding ? 0x20 : 0) | (h.extension ? 0x10 : 0) | csrcs.length;
  out[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  out.writeUInt16BE(h.sequence & 0xffff, 2);
  out.writeUInt32BE(h.timestamp >>> 0, 4);
  out.writeUInt32BE(h.ssrc >>> 0, 8);
  csrcs.forEach((c, i) => out.writeUInt32BE(c >>> 0, FIXED_HEADER + 4 * i));
  if (h.extension) {
    const at = FIXED_HEADER + 4 * csrcs.length;
    out.writeUInt16BE(h.extension.profile, at);
    out.writeUInt16BE(h.extension.words, at + 2);
  }
  out.set(payload, headerBytes);
  if (padding) out[out.length - 1] = padding;
  return out;
}

function fail(reason: RtpParseError): RtpParseResult {
  return { ok: false, reason };
}
