import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Per-LRU key: HMAC-SHA256(cabinSecret, serial). Each seat player holds only its
 * own derived key, so a compromised seat cannot sign for another.
 */
export function deriveLruKey(cabinSecret: Buffer, serial: string): Buffer {
  return createHmac('sha256', cabinSecret).update(serial, 'utf8').digest();
}

/** The X-Seat-Signature value: lowercase hex HMAC-SHA256 of the raw body bytes. */
export function signBody(lruKey: Buffer, body: Buffer | string): string {
  return createHmac('sha256', lruKey).update(body).digest('hex');
}

const HEX_SIG = /^[0-9a-fA-F]{64}$/;

/** Constant-time check of a signature header against the raw body. */
export function verifyBody(lruKey: Buffer, body: Buffer, signatureHex: string): boolean {
  if (!HEX_SIG.test(signatureHex)) return false;
  const expected = createHmac('sha256', lruKey).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(signatureHex, 'hex'));
}
