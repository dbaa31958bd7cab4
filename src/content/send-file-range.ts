import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** One transfer's chunk; read-ahead is the socket's send buffer, not ours. */
export const SEND_CHUNK = 256 * 1024;

/**
 * Reusable chunk buffers. Why not `createReadStream`: it allocates a fresh
 * 256 KiB buffer per read, and at 300 MB/s that external memory makes V8
 * run a full mark-compact every ~100 ms, 5-15 ms each, on the loop that
 * answers seats' polls (measured with --trace-gc in bench/content.ts). A
 * buffer here is used again only after the socket said it wrote it.
 */
export class ChunkBuffers {
  readonly #free: Buffer[] = [];
  constructor(readonly size = SEND_CHUNK) {}
  take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }
  give(b: Buffer): void {
    if (b.length === this.size && this.#free.length < 1024) this.#free.push(b);
  }
  get spare(): number {
    return this.#free.length;
  }
}

/**
 * Writes bytes [start, end] of `file` to `res` (its head already written),
 * one chunk in flight at a time: read, write, wait for the write's callback,
 * reuse. Resolves true when every byte was written, false when the seat went
 * away or the file could not be read (the connection is then destroyed: the
 * seat sees a short body, never wrong bytes, and resumes with Range).
 */
export async function sendFileRange(file: string, start: number, end: number, res: ServerResponse, buffers: ChunkBuffers): Promise<boolean> {
  const buf = buffers.take();
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  let gone = res.destroyed;
  const onClose = () => (gone = true);
  res.once('close', onClose);
  try {
    fh = await open(file, 'r');
    let pos = start;
    while (pos <= end && !gone) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos + 1), pos);
      if (bytesRead === 0) throw new Error(`${file} ended at ${pos}, before ${end + 1}`);
      pos += bytesRead;
      const chunk = buf.subarray(0, bytesRead);
      const ok = await new Promise<boolean>((resolve) => {
        if (gone) return resolve(false);
        // 'close' comes after libuv has finished or cancelled every write of the socket: the buffer is free.
        const closed = () => resolve(false);
        res.once('close', closed);
        res.write(chunk, (err) => {
          res.off('close', closed);
          resolve(!err);
        });
      });
      if (!ok) gone = true;
    }
    if (gone) return false;
    // A seat that goes away during the end would leave end's callback uncalled: 'close' settles it too.
    return await new Promise<boolean>((resolve) => {
      const closed = () => resolve(false);
      res.once('close', closed);
      res.end(() => {
        res.off('close', closed);
        resolve(true);
      });
    });
  } catch {
    res.destroy();
    return false;
  } finally {
    res.off('close', onClose);
    await fh?.close().catch(() => undefined);
    // Every write either called back or the socket closed: nothing holds the buffer now.
    buffers.give(buf);
  }
}
