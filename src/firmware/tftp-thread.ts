import type { Worker } from 'node:worker_threads';
import { Subject } from 'rxjs';
import type { TftpEvent } from '../../protocols/tftp/events.js';
import type { TftpServerOptions } from '../../protocols/tftp/server.js';
import type { Logger } from '../core/log.js';
import { spawnWorker } from '../core/worker-thread.js';

/** What the worker is started with: the server's options that survive a structured clone. */
export type TftpThreadOptions = Omit<TftpServerOptions, 'logger' | 'resolveFile'>;

export type ToWorker = { type: 'resolved'; id: number; file: string | null } | { type: 'stop' };
export type FromWorker =
  | { type: 'started'; port: number }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'stopped' }
  | { type: 'resolve'; id: number; path: string }
  | { type: 'event'; event: TftpEvent }
  /** The server's time spent busy polling for ACKs so far (protocols/tftp/busy-poll.ts). */
  | { type: 'busy-poll'; totalMs: number }
  | { type: 'log'; level: 'info' | 'warn'; obj: object; msg: string };

const STOP_GRACE_MS = 3000;
// From source (tsx) this module is .ts and so is its worker; compiled, both are .js.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './tftp-worker.ts' : './tftp-worker.js', import.meta.url);

/**
 * The TFTP server on a worker thread of its own. Three hundred seats fetching
 * at once mean tens of thousands of datagrams a second; on the main loop each
 * round of ACKs would hold seat polls up for tens of milliseconds. Requests are
 * still resolved here, on the main thread, where the catalog lives.
 */
export class TftpThread {
  readonly events$ = new Subject<TftpEvent>();
  /** Milliseconds more that the server spent busy polling, as the worker reports them. */
  readonly busyPolled$ = new Subject<number>();
  #worker: Worker | undefined;
  #stopping = false;
  /** Its server listens: a stop then tells transfers and winds down; before, the thread is simply ended. */
  #serving = false;

  constructor(
    private readonly options: TftpThreadOptions,
    private readonly resolveFile: (path: string) => string | null,
    private readonly log: Logger,
    /** Called if the worker dies while it should be serving. */
    private readonly onDeath: (why: string) => void,
  ) {}

  /** Starts the worker and its server; resolves with the bound port. */
  start(): Promise<number> {
    this.#stopping = false;
    this.#serving = false;
    const worker = (this.#worker = spawnWorker(WORKER, { ...this.options }));
    let polledMs = 0;
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'started':
            started = true;
            this.#serving = true;
            return resolve(m.port);
          case 'stopped':
            return void worker.terminate();
          case 'failed':
            void worker.terminate();
            // The errno code survives the thread boundary, so a port in use is told from other failures.
            return reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
          case 'resolve':
            return worker.postMessage({ type: 'resolved', id: m.id, file: this.#resolve(m.path) } satisfies ToWorker);
          case 'event':
            return this.events$.next(m.event);
          case 'busy-poll':
            if (m.totalMs > polledMs) this.busyPolled$.next(m.totalMs - polledMs);
            polledMs = Math.max(polledMs, m.totalMs);
            return;
          case 'log':
            return this.log[m.level](m.obj, m.msg);
        }
      });
      worker.on('error', (err) => this.log.error({ err }, 'TFTP worker failed'));
      worker.on('exit', (code) => {
        this.#worker = undefined;
        if (!started) reject(new Error(`TFTP worker exited with ${code} before it was serving`));
        else if (!this.#stopping) this.onDeath(`TFTP worker exited with ${code}`);
      });
    });
  }

  /** Stops the server (each transfer's client is told) and the thread. */
  async stop(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#stopping = true;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    if (!this.#serving) {
      // Still loading (seconds on a busy machine): no transfer to wind down, so end it now rather than wait for it to listen.
      void worker.terminate();
      await exited;
      return;
    }
    this.#serving = false;
    worker.postMessage({ type: 'stop' } satisfies ToWorker);
    // The server tells its clients and winds down in well under this; a stuck worker must not hold up the stop.
    const force = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    await exited;
    clearTimeout(force);
  }

  #resolve(path: string): string | null {
    try {
      return this.resolveFile(path);
    } catch (err) {
      this.log.warn({ err, path }, 'TFTP path could not be resolved');
      return null;
    }
  }
}
