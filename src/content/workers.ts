import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { HashPool, type HashResult } from '../../firmware/hash-pool.js';
import { ContentError } from './errors.js';
import type { CopyItem, CopyOutcomes, CopyProgress, CopyTask, ManifestTask, Outcome, WorkerTask } from './content-worker.js';

export type { CopyItem, CopyOutcomes };
import { DEFAULT_LIMITS, type ContentManifest, type ManifestLimits } from './manifest.js';

// From source (tsx: tests, dev) this module is .ts and so is its worker; compiled to dist/, both are .js.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './content-worker.ts' : './content-worker.js', import.meta.url);

export interface ContentWorkersOptions {
  /** Threads per pool (copying, and re-hashing the library). Default 2: a drive is read by one or two streams at best. */
  maxThreads?: number;
  /** Idle threads exit after this long: nothing is kept running between drives. */
  idleTimeoutMs?: number;
}

export interface CopyOptions {
  /** Bytes of items[item] copied so far (large files report every few MB). */
  onProgress?: (item: number, done: number) => void;
  signal?: AbortSignal;
  /** This task reads at most this fast (bytes per second). */
  bytesPerSecond?: number;
}

/**
 * The worker threads content work runs on; the event loop only orchestrates.
 * Copying from a drive runs on content-worker.ts (its own, because it must
 * open with O_NOFOLLOW, check the opened fd's real path and cap the read at
 * the signed size, which the firmware copy does not). Plain re-hashing of
 * the library's own files reuses the firmware HashPool.
 */
export class ContentWorkers {
  readonly #pool: Piscina<WorkerTask, Outcome<unknown>>;
  readonly #hash: HashPool;
  readonly #broken: Promise<never>;

  constructor({ maxThreads = 2, idleTimeoutMs = 10_000 }: ContentWorkersOptions = {}) {
    this.#pool = new Piscina({ filename: WORKER.href, minThreads: 0, maxThreads, idleTimeout: idleTimeoutMs });
    this.#broken = new Promise((_, reject) => this.#pool.on('error', reject));
    this.#broken.catch(() => undefined);
    this.#hash = new HashPool({ maxThreads, idleTimeoutMs });
  }

  /** Reads, validates and (given a key) verifies a manifest file, off the event loop. */
  async readManifest(file: string, opts: { publicKeyRaw?: string; limits?: ManifestLimits } = {}): Promise<ContentManifest> {
    const task: ManifestTask = { op: 'manifest', file, limits: opts.limits ?? DEFAULT_LIMITS, ...(opts.publicKeyRaw ? { publicKeyRaw: opts.publicKeyRaw } : {}) };
    return unwrap(await Promise.race([this.#pool.run(task), this.#broken])) as ContentManifest;
  }

  /**
   * Copies drive files into the library on one worker thread, hashing the
   * bytes as they are copied. Per item: bytes copied, a ContentError, or null
   * when it was not tried because the drive went away first.
   */
  async copy(root: string, items: CopyItem[], { onProgress, signal, bytesPerSecond }: CopyOptions = {}): Promise<(number | ContentError | null)[]> {
    const task: CopyTask = { op: 'copy', root, items, ...(bytesPerSecond ? { bytesPerSecond } : {}) };
    const options: { signal?: AbortSignal; transferList?: MessagePort[] } = signal ? { signal } : {};
    let port1: MessagePort | undefined;
    if (onProgress) {
      const channel = new MessageChannel();
      port1 = channel.port1 as unknown as MessagePort;
      channel.port1.on('message', ({ item, done }: CopyProgress) => onProgress(item, done));
      task.progress = channel.port2;
      options.transferList = [channel.port2 as unknown as MessagePort];
    }
    try {
      const outcomes = unwrap(await Promise.race([this.#pool.run(task, options as never), this.#broken])) as CopyOutcomes;
      return outcomes.map((o) => (o === null ? null : o.ok ? o.value : ContentError.from(o.error)));
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw new ContentError('cancelled', 'the ingest was stopped');
      throw err;
    } finally {
      port1?.close();
    }
  }

  hashFile(path: string): Promise<HashResult> {
    return this.#hash.hashFile(path);
  }

  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), this.#hash.close()]);
  }
}

function unwrap(outcome: Outcome<unknown>): unknown {
  if (outcome.ok) return outcome.value;
  throw ContentError.from(outcome.error);
}
