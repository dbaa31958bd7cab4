import { constants } from 'node:fs';
import { open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { ErrorCode } from './codec.js';

export type Opened = { ok: true; handle: FileHandle; size: number } | { ok: false; code: ErrorCode; message: string };

const OUTSIDE: Opened = { ok: false, code: ErrorCode.AccessViolation, message: 'outside the TFTP root' };

/**
 * Opens `path` (relative to `root`, or absolute) for reading if, with every
 * symlink resolved, it is a regular file inside `root` (itself a realpath).
 *
 * Resolving and then opening is a race: O_NOFOLLOW guards only the last
 * component, so a directory of the root swapped for a symlink between the
 * realpath() and the open() lets the open land outside. So the check is made
 * again on what was actually opened: the kernel's own name for the open file
 * (/proc/self/fd/N) must be inside the root, and the inode at that name must be
 * the opened one (fstat dev/ino against stat), or the file is closed unread.
 * O_NONBLOCK keeps a FIFO planted in the root from pinning a libuv thread.
 */
export async function openConfined(root: string, path: string): Promise<Opened> {
  let real: string;
  try {
    real = await realpath(resolve(root, path));
  } catch (err) {
    return refusal(err);
  }
  const inside = root.endsWith(sep) ? root : root + sep;
  if (!real.startsWith(inside)) return OUTSIDE;
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    return refusal(err);
  }
  let result: Opened;
  try {
    result = await checkOpened(handle, inside);
  } catch (err) {
    result = refusal(err);
  }
  if (!result.ok) await handle.close();
  return result;
}

/** What the handle really is: a regular file whose kernel path is inside the root. */
async function checkOpened(handle: FileHandle, inside: string): Promise<Opened> {
  const st = await handle.stat();
  if (!st.isFile()) return { ok: false, code: ErrorCode.AccessViolation, message: 'not a regular file' };
  let opened: string;
  try {
    opened = await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    // Without /proc the open cannot be checked; serving nothing is the safe answer.
    return { ok: false, code: ErrorCode.AccessViolation, message: 'cannot check the opened file (no /proc)' };
  }
  if (!opened.startsWith(inside)) return OUTSIDE;
  // The name must lead to this very inode (a name of a deleted or replaced file does not).
  const there = await stat(opened).catch(() => null);
  if (!there || there.dev !== st.dev || there.ino !== st.ino) return OUTSIDE;
  return { ok: true, handle, size: st.size };
}

function refusal(err: unknown): Opened {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, code: ErrorCode.FileNotFound, message: 'file not found' };
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return { ok: false, code: ErrorCode.AccessViolation, message: 'access denied' };
  return { ok: false, code: ErrorCode.NotDefined, message: `cannot open file (${code ?? 'error'})` };
}
