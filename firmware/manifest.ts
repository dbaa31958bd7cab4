import { FirmwareError } from './errors.js';

/** What a seat needs to fetch and trust one firmware image; stored as `<version>.json` beside it. */
export interface FirmwareManifest {
  model: string;
  version: string;
  /** Bytes. */
  size: number;
  /** Lowercase hex SHA-256 of the image. */
  sha256: string;
  /** Base64 Ed25519 signature over `signedMessage(manifest)`. */
  signature: string;
  /** Epoch ms, when this controller signed it; absent for releases signed elsewhere. */
  signedAt?: number;
  /** Fingerprint of the verifying key (see keys.ts). */
  keyId?: string;
}

export type SignedFields = Pick<FirmwareManifest, 'model' | 'version' | 'size' | 'sha256'>;

// Model and version become path segments under the TFTP root: keep them boring.
const NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const KEY_ID = /^[0-9a-f]{16}$/;
const SIGNATURE_BYTES = 64;

export function isName(value: string): boolean {
  return NAME.test(value) && !value.includes('..');
}

export function assertName(field: 'model' | 'version', value: unknown): asserts value is string {
  if (typeof value !== 'string' || !isName(value)) {
    throw new FirmwareError(
      'invalid',
      `${field} ${describe(value)} is not allowed: use 1-32 of a-z 0-9 . _ -, starting with a letter or digit, without ".."`,
      field,
    );
  }
}

/**
 * The exact bytes a firmware signature covers. Binding model, version and size
 * (not just the digest) stops a valid signature being replayed onto another
 * model or version. Seats build the same string from `firmware.update`.
 */
export function signedMessage({ model, version, size, sha256 }: SignedFields): Buffer {
  return Buffer.from(`purser-fw-v1\n${model}\n${version}\n${size}\n${sha256}`, 'utf8');
}

/** Checks a signature's form (canonical base64 of 64 bytes), not its validity. */
export function assertSignatureText(value: unknown, where = 'signature'): asserts value is string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
  if (bytes?.length !== SIGNATURE_BYTES || bytes.toString('base64') !== value) throw new FirmwareError('invalid', `${where} must be the base64 of a 64-byte Ed25519 signature`, 'signature');
}

/** Validates untrusted manifest JSON (already parsed). Unknown fields are ignored and dropped. */
export function parseManifest(value: unknown): FirmwareManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FirmwareError('invalid', `manifest must be a JSON object, not ${describe(value)}`);
  }
  const m = value as Record<string, unknown>;
  assertName('model', m.model);
  assertName('version', m.version);
  if (!Number.isSafeInteger(m.size) || (m.size as number) <= 0) {
    throw new FirmwareError('invalid', `size must be a positive integer, not ${describe(m.size)}`, 'size');
  }
  if (typeof m.sha256 !== 'string' || !SHA256.test(m.sha256)) {
    throw new FirmwareError('invalid', `sha256 must be 64 lowercase hex digits, not ${describe(m.sha256)}`, 'sha256');
  }
  assertSignatureText(m.signature);
  if (m.signedAt !== undefined && (!Number.isSafeInteger(m.signedAt) || (m.signedAt as number) < 0)) {
    throw new FirmwareError('invalid', `signedAt must be epoch milliseconds, not ${describe(m.signedAt)}`, 'signedAt');
  }
  if (m.keyId !== undefined && (typeof m.keyId !== 'string' || !KEY_ID.test(m.keyId))) {
    throw new FirmwareError('invalid', `keyId must be 16 lowercase hex digits, not ${describe(m.keyId)}`, 'keyId');
  }
  return {
    model: m.model,
    version: m.version,
    size: m.size as number,
    sha256: m.sha256,
    signature: m.signature,
    // `+ 0` turns a JSON -0 into 0, so the manifest re-serialises to the same value.
    ...(m.signedAt === undefined ? {} : { signedAt: (m.signedAt as number) + 0 }),
    ...(m.keyId === undefined ? {} : { keyId: m.keyId }),
  };
}

export function parseManifestJson(text: string): FirmwareManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FirmwareError('invalid', `manifest is not JSON: ${(err as Error).message}`);
  }
  return parseManifest(value);
}

/** Stable field order, so the same manifest is always the same bytes on disk. */
export function serializeManifest(m: FirmwareManifest): string {
  const { model, version, size, sha256, signature, signedAt, keyId } = m;
  return `${JSON.stringify({ model, version, size, sha256, signature, signedAt, keyId }, null, 2)}\n`;
}

/** A short, safe rendering of a bad value for an error message. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
