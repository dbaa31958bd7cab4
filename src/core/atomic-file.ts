import { dirname } from 'node:path';
import { mkdirDurably, writeFileDurably } from '../../core/durable-fs.js';

/**
 * Writes a file so that after a power cut it is either complete or absent:
 * temp name in the same directory, fsync, rename, fsync the directory (the
 * ground floor's durable-fs, which also removes a temp file a failed
 * write left). Creates the directory, durably, if it is missing.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  await mkdirDurably(dirname(path));
  await writeFileDurably(path, data, mode);
}
