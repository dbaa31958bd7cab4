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
