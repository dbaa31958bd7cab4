import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Crew and technician PINs as scrypt hashes: `scrypt$N$r$p$saltB64$hashB64`.
 * scrypt runs on libuv's thread pool, so a login never blocks the event loop.
 */
export interface PinHashParams {
  N: number;
  r: number;
  p: number;
}

/** About 0.1 s and 32 MiB per check here: slow for a guesser, quick for a purser. */
export const DEFAULT_PIN_HASH: Readonly<PinHashParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/** Digits only, as the panel's PIN pad types them. */
export const PIN_PATTERN = /^[0-9]{4,12}$/;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** A config cannot ask for a hash that would exhaust memory or take seconds. */
const MAX_MEM = 256 * 1024 * 1024;
const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface ParsedPinHash extends PinHashParams {
  salt: Buffer;
  hash: Buffer;
}

export class PinHashError extends Error {}

function scryptAsync(pin: string, salt: Buffer, keylen: number, o: PinHashParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 2 * 128 * o.N * o.r * o.p };
  return new Promise((resolve, reject) => scrypt(pin, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export function parsePinHash(encoded: string): ParsedPinHash {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new PinHashError('is not of the form scrypt$N$r$p$salt$hash (make one with `purser pin-hash`)');
  const [N, r, p] = parts.slice(1, 4).map((s) => (/^[0-9]{1,8}$/.test(s!) ? Number(s) : NaN)) as [number, number, number];
  if (!(N >= 2 ** 10 && N <= 2 ** 20 && (N & (N - 1)) === 0)) throw new PinHashError('has an N that is not a power of two from 1024 to 1048576');
  if (!(r >= 1 && r <= 32 && p >= 1 && p <= 16)) throw new PinHashError('has r outside 1-32 or p outside 1-16');
  if (128 * N * r * p > MAX_MEM) throw new PinHashError('needs more than 256 MiB to check');
  if (!B64.test(parts[4]!) || !B64.test(parts[5]!)) throw new PinHashError('has a salt or hash that is not base64');
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || hash.length < 16) throw new PinHashError('has a salt under 8 bytes or a hash under 16 bytes');
  return { N, r, p, salt, hash };
}

export async function hashPin(pin: string, params: PinHashParams = DEFAULT_PIN_HASH): Promise<string> {
  if (!PIN_PATTERN.test(pin)) throw new PinHashError('a PIN is 4 to 12 digits');
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(pin, salt, KEY_BYTES, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time comparison of the derived key; a malformed PIN costs the same scrypt as a wrong one. */
export async function verifyPin(pin: string, stored: ParsedPinHash): Promise<boolean> {
  const got = await scryptAsync(pin, stored.salt, stored.hash.length, stored);
  return timingSafeEqual(got, stored.hash);
}
