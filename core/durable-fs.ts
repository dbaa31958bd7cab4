import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_MARK = '.tmp-';

/**
 * A unique sibling name for writing `path` before it is renamed into place.
 * Hidden (leading dot), so it can never be a valid model or version name, and
 * recognisable by `isTempName`, so startup can delete what a power cut left.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMP_MARK}${randomBytes(6).toString('hex')}`);
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.includes(TEMP_MARK);
}

/** A rename or create is durable only once the directory holding the entry is synced. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** mkdir -p, syncing the parent of every directory it created. */
export async function mkdirDurably(dir: string, mode = 0o755): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    await fsyncDir(dirname(d));
    if (d === first) return;
  }
}

/** Moves a file or directory and syncs both directories involved. */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await fsyncDir(dirname(to));
  if (dirname(from) !== dirname(to)) await fsyncDir(dirname(from));
}

/** Replaces `path` so that after a power cut it holds either the old or the new content, never a mix. */
export async function writeFileDurably(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await renameDurably(tmp, path);
  } catch (err) {
    await removeIfPresent(tmp);
    throw err;
  }
}

export async function removeIfPresent(path: string): Promise<void> {
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
