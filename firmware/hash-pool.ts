import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { HashProgress, HashResult, HashTask } from './hash-worker.js';

export type { HashResult };

/** Called with bytes hashed so far and the file's size; the last call has done === size. */
export type ProgressFn = (done: number, total: number) => void;

// From source (tsx: tests, dev) this module is .ts and so is its worker; compiled to dist/, both are .js.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './hash-worker.ts' : './hash-worker.js', import.meta.url);

export interface HashPoolOptions {
  /** Default: all cores but one, so the main loop keeps a core. */
  maxThreads?: number;
  /** Idle threads exit after this long; none are kept when there is nothing to hash. */
  idleTimeoutMs?: number;
  /** Node flags for the threads (default: this process's). */
  execArgv?: string[];
}

/** SHA-256 of files on worker threads: hashing never runs on the event loop. */
export class HashPool {
  readonly #pool: Piscina<HashTask, HashResult>;
  /** Rejects when the pool reports a worker that failed outside any task (its task would never settle). */
  readonly #broken: Promise<never>;

  constructor({ maxThreads = Math.max(1, availableParallelism() - 1), idleTimeoutMs = 30_000, execArgv }: HashPoolOptions = {}) {
    this.#pool = new Piscina({ filename: WORKER.href, minThreads: 0, maxThreads, idleTimeout: idleTimeoutMs, ...(execArgv ? { execArgv } : {}) });
    // Unheard, the pool's 'error' would end the process; heard, it fails the tasks waiting on it.
    this.#broken = new Promise((_, reject) => this.#pool.on('error', reject));
    this.#broken.catch(() => undefined);
  }

  hashFile(path: string, onProgress?: ProgressFn): Promise<HashResult> {
    return this.#run({ src: path }, onProgress);
  }

  /** Copies `src` to the new file `dest` (which must not exist) and returns the digest of what was written. */
  copyAndHash(src: string, dest: string, onProgress?: ProgressFn): Promise<HashResult> {
    return this.#run({ src, dest }, onProgress);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  async #run(task: HashTask, onProgress: ProgressFn | undefined): Promise<HashResult> {
    if (!onProgress) return Promise.race([this.#pool.run(task), this.#broken]);
    const { port1, port2 } = new MessageChannel();
    // Progress and the result travel on different ports: drop any progress that arrives after the result.
    let last = -1;
    port1.on('message', ({ done, total }: HashProgress) => {
      if (last < done) onProgress((last = done), total);
    });
    try {
      const result = await Promise.race([this.#pool.run({ ...task, progress: port2 }, { transferList: [port2] }), this.#broken]);
      if (last < result.size) onProgress((last = result.size), result.size);
      return result;
    } finally {
      port1.close();
    }
  }
}
