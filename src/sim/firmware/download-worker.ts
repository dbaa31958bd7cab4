// The simulator's firmware downloads, on a worker thread of their own (see
// download-thread.ts). Each download streams through SHA-256 here; the main
// thread hears progress by the percent and the digest at the end.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { tftpFetch, TftpFetchError } from './tftp-client.js';
import type { FromDownloads, ToDownloads } from './download-thread.js';

const port = parentPort!;
const running = new Map<number, AbortController>();
const send = (m: FromDownloads) => port.postMessage(m);

port.on('message', (m: ToDownloads) => {
  if (m.type === 'abort') return running.get(m.id)?.abort();
  void fetchOne(m);
});

async function fetchOne({ id, url, tftp, size, corruptFirst, stallAtHalf }: Extract<ToDownloads, { type: 'fetch' }>): Promise<void> {
  const abort = new AbortController();
  const stall = new AbortController();
  running.set(id, abort);
  const hash = createHash('sha256');
  let bytes = 0;
  let shown = 0;
  try {
    const result = await tftpFetch(url, {
      ...tftp,
      signal: AbortSignal.any([abort.signal, stall.signal]),
      onData: (chunk) => {
        hash.update(corruptFirst && bytes === 0 ? flipFirstByte(chunk) : chunk);
        bytes += chunk.length;
        const progress = Math.min(1, Math.floor((bytes / size) * 100) / 100);
        if (progress !== shown) send({ type: 'progress', id, progress: (shown = progress) });
        if (stallAtHalf && bytes >= size / 2) stall.abort();
      },
    });
    send({ type: 'done', id, result, bytes, sha256: hash.digest('hex') });
  } catch (err) {
    if (stall.signal.aborted && !abort.signal.aborted) send({ type: 'stalled', id });
    else send({ type: 'failed', id, kind: err instanceof TftpFetchError ? err.kind : 'network', message: (err as Error).message });
  } finally {
    running.delete(id);
  }
}

function flipFirstByte(chunk: Buffer): Buffer {
  const copy = Buffer.from(chunk);
  if (copy.length > 0) copy[0]! ^= 0xff;
  return copy;
}
