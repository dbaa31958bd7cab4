import { createHash, createPrivateKey, createPublicKey, generateKeyPair, sign, verify, type KeyObject } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mkdirDurably, writeFileDurably } from '../core/durable-fs.js';
import { FirmwareError } from './errors.js';

/** The file `loadOrCreateSigningKey` keeps in its state directory. */
export const SIGNING_KEY_FILE = 'firmware-signing.pem';

/**
 * The firmware signing key pair, or only its public half: an airline may keep
 * the release key off the aircraft and ship images already signed.
 */
export class FirmwareKeys {
  /** Base64 of the raw 32-byte Ed25519 public key, as seats are provisioned with it. */
  readonly publicKeyRaw: string;
  /** First 8 bytes of SHA-256(raw public key), hex: names the key in manifests and errors. */
  readonly keyId: string;
  readonly #public: KeyObject;
  readonly #private: KeyObject | undefined;

  private constructor(publicKey: KeyObject, privateKey?: KeyObject) {
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
    this.publicKeyRaw = raw.toString('base64');
    this.keyId = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    this.#public = publicKey;
    this.#private = privateKey;
  }

  get canSign(): boolean {
    return this.#private !== undefined;
  }

  /** Base64 signature. Signing a short message is microseconds, so it stays on the caller's thread. */
  sign(message: Uint8Array): string {
    if (!this.#private) throw new FirmwareError('key', `firmware key ${this.keyId} is verify-only: no private key loaded`);
    return sign(null, message, this.#private).toString('base64');
  }

  verify(message: Uint8Array, signature: string): boolean {
    const bytes = Buffer.from(signature, 'base64');
    return bytes.length === 64 && verify(null, message, this.#public, bytes);
  }

  /** A verify-only key from PEM (SPKI) text or the base64 of the raw 32 bytes. */
  static fromPublicKey(text: string): FirmwareKeys {
    const trimmed = text.trim();
    let key: KeyObject;
    try {
      key = trimmed.startsWith('-----BEGIN')
        ? createPublicKey(trimmed)
        : createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: rawToBase64url(trimmed) }, format: 'jwk' });
    } catch {
      throw new FirmwareError('key', 'firmware public key must be a PEM public key or the base64 of 32 raw Ed25519 bytes');
    }
    return new FirmwareKeys(assertEd25519(key));
  }

  static async loadPublicKey(path: string): Promise<FirmwareKeys> {
    return FirmwareKeys.fromPublicKey(await readFile(path, 'utf8'));
  }

  /** Loads a PEM private key, refusing one that anyone but its owner can read. */
  static async loadSigningKey(path: string): Promise<FirmwareKeys> {
    const fh = await open(path, 'r');
    try {
      const { mode } = await fh.stat();
      if ((mode & 0o077) !== 0) {
        throw new FirmwareError('key', `${path} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`);
      }
      let key: KeyObject;
      try {
        key = createPrivateKey(await fh.readFile('utf8'));
      } catch {
        throw new FirmwareError('key', `${path} is not a PEM private key`);
      }
      return new FirmwareKeys(assertEd25519(createPublicKey(key)), assertEd25519(key));
    } finally {
      await fh.close();
    }
  }

  /** Loads `<stateDir>/firmware-signing.pem`, generating it (mode 0600) only if it does not exist. */
  static async loadOrCreateSigningKey(stateDir: string): Promise<FirmwareKeys> {
    const path = join(stateDir, SIGNING_KEY_FILE);
    try {
      return await FirmwareKeys.loadSigningKey(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // The directory entry must be durable too: a key lost to a power cut would orphan every provisioned seat.
    await mkdirDurably(stateDir, 0o700);
    const { privateKey } = await promisify(generateKeyPair)('ed25519');
    await writeFileDurably(path, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
    return FirmwareKeys.loadSigningKey(path);
  }
}

function assertEd25519(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new FirmwareError('key', `firmware key must be Ed25519, not ${key.asymmetricKeyType ?? key.type}`);
  }
  return key;
}

function rawToBase64url(text: string): string {
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== text) throw new Error('not 32 raw bytes');
  return raw.toString('base64url');
}
