import { ErrorCode } from './codec.js';

/** Longest request path we look up, in UTF-8 bytes (a file name's own limit on Linux). */
export const MAX_PATH_BYTES = 255;

export type PathResult = { ok: true; path: string } | { ok: false; code: ErrorCode; message: string };

/**
 * A requested file name as a path relative to the root, or why it is refused.
 * A leading `/` means the root (`tftp://host/firmware/x.img` reaches us as
 * `firmware/x.img` from curl but `/firmware/x.img` from other clients), empty
 * and `.` segments are dropped, `..` is refused outright rather than resolved,
 * so no spelling climbs out. Symlinks are checked later, against the disk.
 */
export function normalizeRequestPath(name: string): PathResult {
  if (Buffer.byteLength(name) > MAX_PATH_BYTES) {
    return { ok: false, code: ErrorCode.AccessViolation, message: `file name longer than ${MAX_PATH_BYTES} bytes` };
  }
  if (/[\x00-\x1f\x7f]/.test(name)) {
    return { ok: false, code: ErrorCode.AccessViolation, message: 'control character in file name' };
  }
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { ok: false, code: ErrorCode.AccessViolation, message: '".." in file name' };
  if (segments.length === 0) return { ok: false, code: ErrorCode.FileNotFound, message: 'no file name' };
  return { ok: true, path: segments.join('/') };
}
