import { createPublicKey, type KeyObject } from 'node:crypto';

/** The command key as `GET /seat/v1/identity` serves it: the raw 32-byte Ed25519 key in base64. */
export function commandKeyToBase64(publicKey: KeyObject): string {
  if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'ed25519') {
    throw new Error('command key must be an Ed25519 public key');
  }
  return Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
}

export function commandKeyFromBase64(raw: string): KeyObject {
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== raw) {
    throw new Error('command key must be 32 bytes in base64 (44 characters)');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' });
}
