import { readFile, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../core/atomic-file.js';

/**
 * Reads a secret kept in the state dir, creating it (mode 0600) on first start.
 * A secret readable by others is refused: it would let anyone sign as a seat.
 */
export async function loadOrCreateSecret(path: string, make: () => string = () => randomBytes(32).toString('hex')): Promise<{ value: string; created: boolean }> {
  try {
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) throw new Error(`${path} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    return { value: (await readFile(path, 'utf8')).trim(), created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const value = make();
  await writeFileAtomic(path, `${value}\n`, 0o600);
  return { value, created: true };
}
