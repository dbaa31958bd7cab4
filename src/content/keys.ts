import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { FirmwareError } from '../../firmware/errors.js';
import { FirmwareKeys } from '../../firmware/keys.js';
import { ContentError } from './errors.js';

/**
 * Content is signed with its own Ed25519 key (never the firmware key), but
 * the mechanics are the firmware ones: FirmwareKeys parses PEM or raw
 * base64 keys, refuses a world-readable private key file, and signs and
 * verifies. Only its messages say "firmware", so they are reworded here.
 */
export interface ContentSigner {
  /** Base64 Ed25519 signature of `message`. FirmwareKeys fits. */
  sign(message: Uint8Array): string;
}

/** What `pack` accepts as its key: a private KeyObject or anything that signs (FirmwareKeys from `loadContentSigningKey`). */
export type SigningKey = KeyObject | ContentSigner;

/** What `ingest` accepts: a public (or private) KeyObject, PEM text, or the base64 of the raw 32 bytes. */
export type VerifyKey = KeyObject | string | FirmwareKeys;

export function signerFor(key: SigningKey): ContentSigner {
  if (!isKeyObject(key)) return key;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') throw new ContentError('key', 'the content signing key must be an Ed25519 private key');
  return { sign: (message) => sign(null, message, key).toString('base64') };
}

/** The verifier for a content public key; its raw base64 is what worker threads receive. */
export function contentVerifier(key: VerifyKey): FirmwareKeys {
  if (key instanceof FirmwareKeys) return key;
  try {
    if (isKeyObject(key)) {
      const pub = key.type === 'private' ? createPublicKey(key) : key;
      return FirmwareKeys.fromPublicKey(pub.export({ type: 'spki', format: 'pem' }) as string);
    }
    return FirmwareKeys.fromPublicKey(key);
  } catch (err) {
    if (err instanceof FirmwareError || err instanceof Error) {
      throw new ContentError('key', 'the content public key must be an Ed25519 PEM public key or the base64 of its 32 raw bytes');
    }
    throw err;
  }
}

/** Loads a PEM content signing key for `pack`, refusing one that others can read (chmod 600). */
export async function loadContentSigningKey(path: string): Promise<ContentSigner> {
  try {
    return await FirmwareKeys.loadSigningKey(path);
  } catch (err) {
    if (err instanceof FirmwareError) throw new ContentError('key', err.message.replace(/firmware/g, 'content'));
    throw err;
  }
}

function isKeyObject(key: unknown): key is KeyObject {
  return typeof key === 'object' && key !== null && 'asymmetricKeyType' in key && typeof (key as KeyObject).export === 'function';
}
