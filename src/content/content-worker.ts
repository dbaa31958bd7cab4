import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, openSync, readlinkSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { FirmwareKeys } from '../../firmware/keys.js';
import { lowerThisThreadPriority } from '../../core/thread-priority.js';
import { ContentError, isDriveGone, type ContentErrorData } from './errors.js';
import { MANIFEST_NAME, parseContentManifest, signedBytes, type ContentManifest, type ManifestLimits } from './manifest.js';

// Polls before bulk work: copying and hashing yield the cores to the event loop when both are busy.
lowerThisThreadPriority();

/**
 * Runs in a piscina worker thread: everything that touches a drive's bytes.
 * The I/O is synchronous on purpose (it blocks only this thread and leaves
 * libuv's small threadpool to the event loop). Results are plain data with
 * an error code, never a thrown error: piscina's structured clone would drop
 * the code and field the crew message depends on.
 */
export type WorkerTask = ManifestTask | CopyTask;
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ContentErrorData };

export interface ManifestTask {
  op: 'manifest';
  /** The manifest file: on a drive, or a version stored in the library. */
  file: string;
  limits: ManifestLimits;
  /** Base64 raw Ed25519 public key; without it the signature's form is checked but not its validity (library's own copies). */
  publicKeyRaw?: string;
}

/** One file to copy. */
export interface CopyItem {
  /** Validated manifest path (relative, normalized, no ".."). */
  rel: string;
  size: number;
  sha256: string;
  /** Temp file to create (exclusively) in the library. */
  tmp: string;
  /** Where the verified, fsync'd temp file is renamed. The caller fsyncs the directory. */
  dest: string;
  /** Tests only: reads fail with EIO once this many bytes of the file were read, as when a drive is pulled. */
  faultAfterBytes?: number;
}

/**
 * Several files per task: small files (newspapers, magazine pages, game
 * assets) would otherwise spend more time in the thread hand-off than in I/O.
 */
export interface CopyTask {
  op: 'copy';
  /** The drive's root, already resolved with realpath. */
  root: string;
  items: CopyItem[];
  /** Read at most this fast (bytes per second, over the task); unset: as fast as the drive goes. */
  bytesPerSecond?: number;
  /** Receives `CopyProgress` messages; closed when the task ends. */
  progress?: MessagePort;
}

/** Per item: its outcome, or null when it was not tried because the drive went away (or the disk filled) before it. */
export type CopyOutcomes = (Outcome<number> | null)[];

export interface CopyProgress {
  /** Index into `items`. */
  item: number;
  /** Bytes of that item copied so far. */
  done: number;
}

const CHUNK = 1 << 20;
const PROGRESS_EVERY = 4 << 20;

export default function run(task: WorkerTask): Outcome<ContentManifest> | Outcome<CopyOutcomes> {
  try {
    return task.op === 'manifest' ? readManifest(task) : { ok: true, value: copyAll(task) };
  } catch (err) {
    return { ok: false, error: errorData(err) };
  } finally {
    if (task.op === 'copy') task.progress?.close();
  }
}

function errorData(err: unknown): ContentErrorData {
  if (err instanceof ContentError) return err.toJSON();
  return { code: 'io', message: (err as Error)?.message ?? String(err) };
}

/**
 * Holds the copy to a byte rate: after each chunk, sleeps this thread until
 * the bytes read so far are due. The event loop is another thread; only
 * this copy waits.
 */
function pacer(bytesPerSecond: number | undefined): (bytes: number) => void {
  if (!bytesPerSecond) return () => undefined;
  const start = performance.now();
  const cell = new Int32Array(new SharedArrayBuffer(4));
  let total = 0;
  return (bytes) => {
    total += bytes;
    const wait = (total / bytesPerSecond) * 1000 - (performance.now() - start);
    if (wait > 1) Atomics.wait(cell, 0, 0, wait);
  };
}

function copyAll({ root, items, progress, bytesPerSecond }: CopyTask): CopyOutcomes {
  const out: CopyOutcomes = items.map(() => null);
  const pace = pacer(bytesPerSecond);
  for (let i = 0; i < items.length; i++) {
    try {
      out[i] = { ok: true, value: copy(root, items[i]!, pace, progress && ((done) => progress.postMessage({ item: i, done } satisfies CopyProgress))) };
    } catch (err) {
      out[i] = { ok: false, error: errorData(err) };
      const code = out[i]!.ok ? undefined : (out[i] as { error: ContentErrorData }).error.code;
      // One bad file does not stop the batch; a pulled drive or a full disk does.
      if (code !== 'corrupt' && code !== 'missing' && code !== 'unsafe-file') break;
    }
  }
  return out;
}

function readManifest({ file, limits, publicKeyRaw }: ManifestTask): Outcome<ContentManifest> {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ContentError('not-a-content-drive', `this drive has no ${MANIFEST_NAME} at its root: it was not packed for Purser`);
    if (code === 'ELOOP') throw new ContentError('unsafe-file', `${MANIFEST_NAME} is a symbolic link; it must be a regular file`);
    if (isDriveGone(code)) throw new ContentError('drive-removed', `the drive was removed while reading ${MANIFEST_NAME}`);
    throw err;
  }
  let bytes: Buffer;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ContentError('unsafe-file', `${MANIFEST_NAME} is not a regular file`);
    if (st.size > limits.maxManifestBytes) {
      throw new ContentError('invalid', `${MANIFEST_NAME} is ${st.size} bytes; at most ${limits.maxManifestBytes} are allowed`);
    }
    bytes = readAll(fd, st.size, limits.maxManifestBytes);
  } catch (err) {
    if (isDriveGone((err as NodeJS.ErrnoException).code)) throw new ContentError('drive-removed', `the drive was removed while reading ${MANIFEST_NAME}`);
    throw err;
  } finally {
    closeSync(fd);
  }
  const parsed = parseContentManifest(bytes, limits);
  if (!parsed.ok) return { ok: false, error: parsed.error.toJSON() };
  if (publicKeyRaw !== undefined) {
    const key = FirmwareKeys.fromPublicKey(publicKeyRaw);
    if (!key.verify(signedBytes(parsed.manifest), parsed.manifest.signature)) {
      throw new ContentError(
        'bad-signature',
        `the drive's signature does not match this aircraft's content key (${key.keyId}): the drive was changed after it was signed, or signed with another key. Do not use it.`,
        'signature',
      );
    }
  }
  return { ok: true, value: parsed.manifest };
}

function readAll(fd: number, size: number, max: number): Buffer {
  const buf = Buffer.allocUnsafe(Math.min(size, max) + 1);
  let n = 0;
  for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
  if (n > max) throw new ContentError('invalid', `${MANIFEST_NAME} is larger than ${max} bytes`);
  return buf.subarray(0, n);
}

/** Returns the bytes copied. The temp file never survives a failure; `dest` appears only verified. */
function copy(root: string, item: CopyItem, pace: (bytes: number) => void, progress: ((done: number) => void) | undefined): number {
  const { rel, size, sha256, tmp, dest, faultAfterBytes } = item;
  const abs = join(root, rel);
  const fail = (code: ContentError['code'], why: string): ContentError => new ContentError(code, `"${rel}" ${why}`, undefined, rel);
  const gone = (err: unknown): ContentError | undefined => {
    const code = (err as NodeJS.ErrnoException).code;
    if (isDriveGone(code)) return fail('drive-removed', `could not be read (${code}): the drive was removed or failed`);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // The whole drive vanishing looks like one missing file; tell them apart by the root.
      try {
        lstatSync(join(root, MANIFEST_NAME));
      } catch {
        return fail('drive-removed', 'could not be read: the drive was removed');
      }
      return fail('missing', 'is listed on the drive but is not on it');
    }
    return undefined;
  };

  let before;
  try {
    before = lstatSync(abs);
  } catch (err) {
    throw gone(err) ?? err;
  }
  if (before.isSymbolicLink()) throw fail('unsafe-file', 'is a symbolic link; content files must be regular files');
  if (!before.isFile()) throw fail('unsafe-file', 'is not a regular file');

  let input: number;
  try {
    // O_NOFOLLOW: the last part cannot be swapped for a link after lstat; O_NONBLOCK: nor for a FIFO that would hang us.
    input = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw fail('unsafe-file', 'is a symbolic link; content files must be regular files');
    throw gone(err) ?? err;
  }
  let output: number | undefined;
  let renamed = false;
  try {
    // Check what was opened, not the name: a folder on the way may have been a link out of the drive.
    const st = fstatSync(input);
    if (!st.isFile()) throw fail('unsafe-file', 'is not a regular file');
    const real = readlinkSync(`/proc/self/fd/${input}`);
    if (!real.startsWith(root + sep) || st.dev !== lstatSync(root).dev) throw fail('unsafe-file', 'leads outside the drive (through a symbolic link); it is refused');
    if (st.size !== size) throw fail('corrupt', `is ${st.size} bytes on the drive but the manifest says ${size}: the drive is damaged or was changed after signing`);

    try {
      output = openSync(tmp, 'wx', 0o644);
    } catch (err) {
      throw noSpace(err) ?? err;
    }
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let done = 0;
    let reported = 0;
    for (;;) {
      let n: number;
      try {
        if (faultAfterBytes !== undefined && done >= faultAfterBytes) throw Object.assign(new Error('EIO: i/o error, read (injected)'), { code: 'EIO' });
        // Read one byte past the expected end, to notice a file that grew.
        n = readSync(input, buf, 0, Math.min(CHUNK, size + 1 - done), null);
      } catch (err) {
        throw gone(err) ?? err;
      }
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      writeFully(output, buf, n);
      done += n;
      pace(n);
      if (done > size) throw fail('corrupt', `is larger than the manifest says (${size} bytes): the drive was changed after signing`);
      if (progress && done - reported >= PROGRESS_EVERY) {
        progress(done);
        reported = done;
      }
    }
    if (done !== size) throw fail('corrupt', `ended after ${done} of ${size} bytes: the drive is damaged or was changed after signing`);
    const digest = hash.digest('hex');
    if (digest !== sha256) throw fail('corrupt', 'does not match its checksum (SHA-256): the drive is damaged or was changed after signing');
    try {
      fsyncSync(output);
    } catch (err) {
      throw noSpace(err) ?? err;
    }
    closeSync(output);
    output = undefined;
    renameSync(tmp, dest);
    renamed = true;
    return done;
  } finally {
    closeSync(input);
    if (output !== undefined) closeSync(output);
    if (!renamed) {
      try {
        unlinkSync(tmp);
      } catch {
        // never created, or already gone
      }
    }
  }
}

function writeFully(fd: number, buf: Buffer, length: number): void {
  try {
    for (let off = 0; off < length; ) off += writeSync(fd, buf, off, length - off);
  } catch (err) {
    throw noSpace(err) ?? err;
  }
}

function noSpace(err: unknown): ContentError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new ContentError('no-space', `not enough space: the library's disk filled up during the copy`);
  return undefined;
}
