import { readFile } from 'node:fs/promises';

/** Short secrets make every seat key guessable. */
export const MIN_SECRET_BYTES = 16;

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

/** The cabin secret in hex, as `--secret` and the controller's config take it. Throws RangeError if it is not hex of 16 bytes or more. */
export function secretFromHex(hex: string): Buffer {
  if (!HEX.test(hex) || hex.length < 2 * MIN_SECRET_BYTES) {
    throw new RangeError(`the cabin secret must be hex of at least ${MIN_SECRET_BYTES} bytes`);
  }
  return Buffer.from(hex, 'hex');
}

/** The controller's `cabin.secret`: hex and a newline. */
export async function readSecretFile(path: string): Promise<Buffer> {
  const text = (await readFile(path, 'utf8')).trim();
  try {
    return secretFromHex(text);
  } catch (err) {
    throw new RangeError(`${path}: ${(err as Error).message}`);
  }
}
