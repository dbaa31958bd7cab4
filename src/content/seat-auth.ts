import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Per-LRU authentication of content requests (docs/protocol.md, section 6).
 * A seat signs each request with its poll key K = HMAC(cabinSecret, serial):
 *
 *   X-Seat-Serial:    <serial>
 *   X-Seat-Time:      <Unix ms, the seat's clock corrected by the poll's serverAt>
 *   X-Seat-Signature: hex HMAC-SHA256(K, "purser-content-v1\n" + METHOD + "\n" + path?query + "\n" + time)
 *
 * The context line keeps a content signature from being a valid poll
 * signature (polls sign raw JSON bodies, which never start with it) and vice versa.
 */
export const SERIAL_HEADER = 'x-seat-serial';
export const TIME_HEADER = 'x-seat-time';
export const CONTENT_SIGNATURE_HEADER = 'x-seat-signature';

const CONTEXT = 'purser-content-v1\n';
const SERIAL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TIME = /^[0-9]{1,16}$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;

export function contentSigningString(method: string, pathAndQuery: string, time: string): string {
  return `${CONTEXT}${method.toUpperCase()}\n${pathAndQuery}\n${time}`;
}

/** The three headers a seat sends with a content request. */
export function signContentRequest(lruKey: Buffer, serial: string, method: string, pathAndQuery: string, nowMs: number): Record<string, string> {
  const time = String(Math.round(nowMs));
  const sig = createHmac('sha256', lruKey).update(contentSigningString(method, pathAndQuery, time), 'utf8').digest('hex');
  return { [SERIAL_HEADER]: serial, [TIME_HEADER]: time, [CONTENT_SIGNATURE_HEADER]: sig };
}

export type ContentAuthResult =
  | { ok: true; serial: string }
  | { ok: false; status: 401 | 403; code: 'MISSING_SIGNATURE' | 'BAD_SIGNATURE' | 'STALE_REQUEST' | 'UNKNOWN_LRU'; message: string };

export interface ContentAuthInput {
  method: string;
  /** The request target exactly as sent (path and query, still percent-encoded). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  now: number;
  windowMs: number;
  keyFor(serial: string): Buffer;
  /** Whether the unit is installed at a seat of the cabin. */
  installed(serial: string): boolean;
}

const one = (v: string | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** Checks a content request's headers; never throws. */
export function verifyContentRequest(i: ContentAuthInput): ContentAuthResult {
  const serial = one(i.headers[SERIAL_HEADER]);
  const time = one(i.headers[TIME_HEADER]);
  const sig = one(i.headers[CONTENT_SIGNATURE_HEADER]);
  if (!serial || !time || !sig) {
    return { ok: false, status: 401, code: 'MISSING_SIGNATURE', message: `content requests need ${SERIAL_HEADER}, ${TIME_HEADER} and ${CONTENT_SIGNATURE_HEADER}` };
  }
  if (!SERIAL.test(serial) || !TIME.test(time) || !HEX64.test(sig)) return { ok: false, status: 401, code: 'BAD_SIGNATURE', message: 'malformed content signature headers' };
  const expected = createHmac('sha256', i.keyFor(serial)).update(contentSigningString(i.method, i.url, time), 'utf8').digest();
  if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) {
    return { ok: false, status: 401, code: 'BAD_SIGNATURE', message: `${CONTENT_SIGNATURE_HEADER} does not match this request for LRU ${serial}` };
  }
  if (Math.abs(Number(time) - i.now) > i.windowMs) {
    return { ok: false, status: 401, code: 'STALE_REQUEST', message: `${TIME_HEADER} is more than ${Math.round(i.windowMs / 1000)} s from the controller's clock (use the poll's serverAt)` };
  }
  if (!i.installed(serial)) return { ok: false, status: 403, code: 'UNKNOWN_LRU', message: `LRU ${serial} is not installed at any seat` };
  return { ok: true, serial };
}
