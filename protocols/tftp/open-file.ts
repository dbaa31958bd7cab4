import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { ErrorCode } from './codec.js';

export type Opened = { ok: true; handle: FileHandle; size: number } | { ok: false; code: ErrorCode; message: string };

/**
 * Opens `path` (relative to `root`, or absolute) for reading if, with every
 * symlink resolved, it is a regular file inside `root` (itself a realpath).
 * O_NOFOLLOW closes most of the gap between the check and the open;
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
  if (!real.startsWith(inside)) return { ok: false, code: ErrorCode.AccessViolation, message: 'outside the TFTP root' };
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    return refusal(err);
  }
  try {
    const st = await handle.stat();
    if (st.isFile()) return { ok: true, handle, size: st.size };
  } catch (err) {
    await handle.close();
    return refusal(err);
  }
  await handle.close();
  return { ok: false, code: ErrorCode.AccessViolation, message: 'not a regular file' };
}

function refusal(err: unknown): Opened {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, code: ErrorCode.FileNotFound, message: 'file not found' };
  if (code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') return { ok: false, code: ErrorCode.AccessViolation, message: 'access denied' };
  return { ok: false, code: ErrorCode.NotDefined, message: `cannot open file (${code ?? 'error'})` };
}
