import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../core/worker-thread.js';
import type { TftpFetchError, TftpFetchOptions, TftpFetchResult } from './tftp-client.js';

export type DownloadTftpOptions = Omit<TftpFetchOptions, 'onData' | 'signal' | 'lose'>;

export type ToDownloads =
  | { type: 'fetch'; id: number; url: string; tftp: DownloadTftpOptions; size: number; corruptFirst: boolean; stallAtHalf: boolean }
  | { type: 'abort'; id: number };
export type FromDownloads =
  | { type: 'progress'; id: number; progress: number }
  | { type: 'done'; id: number; result: TftpFetchResult; bytes: number; sha256: string }
  | { type: 'stalled'; id: number }
  | { type: 'failed'; id: number; kind: TftpFetchError['kind']; message: string };

export interface DownloadRequest {
  url: string;
  tftp: DownloadTftpOptions;
  /** The size the seat was told: progress is reported against it. */
  size: number;
  /** Fault injection: the first byte arrives flipped, as a corrupt download would. */
  corruptFirst?: boolean;
  /** Fault injection: the download stops answering half-way. */
  stallAtHalf?: boolean;
  onProgress(progress: number): void;
  signal: AbortSignal;
}

/** How a download ended: the digest of what arrived, or a stall the fault asked for. */
export type DownloadOutcome = { kind: 'done'; result: TftpFetchResult; bytes: number; sha256: string } | { kind: 'stalled' };

export class DownloadFailed extends Error {
  constructor(readonly kind: TftpFetchError['kind'], message: string) {
    super(message);
  }
}

// From source (tsx) this module is .ts and so is its worker; compiled, both are .js.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './download-worker.ts' : './download-worker.js', import.meta.url);

/**
 * The simulated cabin's firmware downloads on one worker thread. A hundred
 * seats fetching at once are a hundred thousand datagrams a second: on the
 * simulator's event loop they would hold up every seat's commands and polls
 * for tens of milliseconds, which real seats, each on its own box, never see.
 * The thread starts with the first download and does not keep the process up.
 */
export class DownloadThread {
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, { req: DownloadRequest; resolve(o: DownloadOutcome): void; reject(e: Error): void }>();

  fetch(req: DownloadRequest): Promise<DownloadOutcome> {
    if (req.signal.aborted) return Promise.reject(new DownloadFailed('aborted', 'aborted'));
    const worker = this.#start();
    const id = this.#nextId++;
    const onAbort = () => worker.postMessage({ type: 'abort', id } satisfies ToDownloads);
    req.signal.addEventListener('abort', onAbort, { once: true });
    const outcome = new Promise<DownloadOutcome>((resolve, reject) => {
      this.#pending.set(id, { req, resolve, reject });
      const { url, tftp, size, corruptFirst = false, stallAtHalf = false } = req;
      worker.postMessage({ type: 'fetch', id, url, tftp, size, corruptFirst, stallAtHalf } satisfies ToDownloads);
    });
    return outcome.finally(() => req.signal.removeEventListener('abort', onAbort));
  }

  /** Ends the thread; downloads still running fail. */
  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new DownloadFailed('aborted', 'simulator stopped'));
    await worker?.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = spawnWorker(WORKER);
    worker.unref();
    worker.on('message', (m: FromDownloads) => this.#onMessage(m));
    worker.on('error', (err) => this.#failAll(new DownloadFailed('network', `download thread failed: ${err.message}`)));
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failAll(new DownloadFailed('network', 'download thread ended'));
    });
    this.#worker = worker;
    return worker;
  }

  #onMessage(m: FromDownloads): void {
    const p = this.#pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') return p.req.onProgress(m.progress);
    this.#pending.delete(m.id);
    if (m.type === 'done') p.resolve({ kind: 'done', result: m.result, bytes: m.bytes, sha256: m.sha256 });
    else if (m.type === 'stalled') p.resolve({ kind: 'stalled' });
    else p.reject(new DownloadFailed(m.kind, m.message));
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
