import { open } from 'node:fs/promises';
import { FirmwareError } from './errors.js';
import { assertSignatureText, parseManifestJson } from './manifest.js';

export interface DetachedSignature {
  signature: string;
  /** Where it was found, for messages. */
  from: string;
  signedAt?: number;
}

// Both files come from removable media or a vendor: refuse anything implausibly large.
const MAX_SIG_BYTES = 1024;
const MAX_MANIFEST_BYTES = 64 * 1024;

/**
 * The signature shipped beside an image signed elsewhere: `<image>.sig` (base64
 * text) or else a manifest `<name>.json` beside `<name>.img`, the layout of a
 * Purser firmware root, so one controller's images import into another.
 */
export async function findDetachedSignature(
  imagePath: string,
  model: string,
  version: string,
): Promise<DetachedSignature | undefined> {
  const sigPath = `${imagePath}.sig`;
  const sig = await readSmall(sigPath, MAX_SIG_BYTES);
  if (sig !== undefined) {
    const signature = sig.trim();
    assertSignatureText(signature, sigPath);
    return { signature, from: sigPath };
  }
  if (!imagePath.endsWith('.img')) return undefined;
  const manifestPath = `${imagePath.slice(0, -'.img'.length)}.json`;
  const text = await readSmall(manifestPath, MAX_MANIFEST_BYTES);
  if (text === undefined) return undefined;
  let manifest;
  try {
    manifest = parseManifestJson(text);
  } catch (err) {
    throw new FirmwareError('invalid', `${manifestPath}: ${(err as Error).message}`, (err as FirmwareError).field);
  }
  if (manifest.model !== model || manifest.version !== version) {
    throw new FirmwareError(
      'invalid',
      `${manifestPath} is for ${manifest.model} ${manifest.version}, not ${model} ${version}`,
    );
  }
  return { signature: manifest.signature, from: manifestPath, signedAt: manifest.signedAt };
}

/**
 * What a technician passed as `--signature`: a signature file (base64 text, as
 * `<image>.sig` holds), or that base64 itself. A bad one is refused saying
 * what is wrong with it, by its name: nobody typed an HTTP header.
 */
export async function readSignatureOption(value: string): Promise<DetachedSignature> {
  if (isSignatureText(value)) return { signature: value, from: 'the signature given with --signature' };
  let text: string | undefined;
  try {
    text = await readSmall(value, MAX_SIG_BYTES);
  } catch (err) {
    if (err instanceof FirmwareError) throw new FirmwareError('invalid', `--signature ${value} is not a signature file: ${err.message.replace(`${value} `, 'it ')}`, 'signature');
    throw new FirmwareError('invalid', `--signature ${value} cannot be read: ${(err as Error).message}`, 'signature');
  }
  if (text === undefined) {
    throw new FirmwareError('invalid', `--signature ${value}: there is no such file, and it is not a signature itself (the base64 of a 64-byte Ed25519 signature)`, 'signature');
  }
  const signature = text.trim();
  if (!isSignatureText(signature)) {
    const what = signature === '' ? 'it is empty' : /^[A-Za-z0-9+/=\s]*$/.test(signature) ? `it holds ${Buffer.from(signature, 'base64').length} bytes of base64, not 64` : 'it holds something other than base64 text';
    throw new FirmwareError('invalid', `the signature file ${value} must hold the base64 of a 64-byte Ed25519 signature; ${what}`, 'signature');
  }
  return { signature, from: `the signature file ${value}` };
}

function isSignatureText(value: string): boolean {
  try {
    assertSignatureText(value);
    return true;
  } catch {
    return false;
  }
}

/** The file's text, or undefined if it does not exist. */
async function readSmall(path: string, max: number): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { size } = await fh.stat();
    if (size > max) throw new FirmwareError('invalid', `${path} is ${size} bytes; at most ${max} expected`);
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
