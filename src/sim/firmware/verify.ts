import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** The fields of firmware.update a seat checks the image against. */
export interface ImageClaim {
  model: string;
  version: string;
  size: number;
  sha256: string;
  signature: string;
}

/**
 * The signed message, rebuilt here from docs/firmware.md ("What is signed") as
 * seat firmware would, not imported from the controller: if the two ever
 * disagree, simulated seats refuse the controller's images.
 */
export function firmwareMessage(c: ImageClaim): Buffer {
  return Buffer.from(['purser-fw-v1', c.model, c.version, String(c.size), c.sha256].join('\n'), 'utf8');
}

/** The firmware public key as seats are provisioned with it: base64 of the raw 32 bytes. */
export function firmwareKeyFromRaw(base64: string): KeyObject {
  const raw = Buffer.from(base64, 'base64');
  if (raw.length !== 32) throw new Error('the firmware key is not 32 raw bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** Why the downloaded image must not be flashed, or undefined if it may. */
export function imageProblem(claim: ImageClaim, got: { bytes: number; sha256: string }, key: KeyObject): string | undefined {
  if (got.bytes !== claim.size) return `size mismatch: got ${got.bytes} bytes, expected ${claim.size}`;
  if (got.sha256 !== claim.sha256) return `sha256 mismatch: got ${got.sha256}`;
  const signature = Buffer.from(claim.signature, 'base64');
  if (signature.length !== 64 || !verify(null, firmwareMessage(claim), key, signature)) return 'signature does not verify with the firmware key';
  return undefined;
}
