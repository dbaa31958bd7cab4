import { createHash } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../core/thread-priority.js';

// Polls before bulk work: copying and hashing yield the cores to the event loop when both are busy.
lowerThisThreadPriority();

export interface HashTask {
  src: string;
  /** If set, the bytes are also written to this new file (created exclusively, fsync'd). */
  dest?: string;
  /** Receives `HashProgress` messages; closed when the task ends. */
  progress?: MessagePort;
}

export interface HashResult {
  size: number;
  /** Lowercase hex. */
  sha256: string;
}

export interface HashProgress {
  done: number;
  total: number;
}

const CHUNK = 1 << 20;
const PROGRESS_EVERY = 8 << 20;

/**
 * Runs in a piscina worker thread. The I/O is synchronous on purpose: it blocks
 * only this thread and leaves libuv's small shared threadpool to the main loop.
 * When copying, the digest is of exactly the bytes written to `dest`.
 */
export default function hashFile({ src, dest, progress }: HashTask): HashResult {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  const input = openSync(src, 'r');
  let output: number | undefined;
  try {
    const total = fstatSync(input).size;
    if (dest !== undefined) output = openSync(dest, 'wx', 0o644);
    let done = 0;
    let reported = 0;
    for (let n; (n = readSync(input, buf, 0, CHUNK, null)) > 0; ) {
      hash.update(buf.subarray(0, n));
      if (output !== undefined) writeFully(output, buf, n);
      done += n;
      if (progress && done - reported >= PROGRESS_EVERY) {
        progress.postMessage({ done, total } satisfies HashProgress);
        reported = done;
      }
    }
    if (output !== undefined) fsyncSync(output);
    return { size: done, sha256: hash.digest('hex') };
  } finally {
    closeSync(input);
    if (output !== undefined) closeSync(output);
    progress?.close();
  }
}

function writeFully(fd: number, buf: Buffer, length: number): void {
  for (let off = 0; off < length; ) off += writeSync(fd, buf, off, length - off);
}
