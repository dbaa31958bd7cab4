import { Piscina } from 'piscina';
import type { Logger } from '../core/log.js';
import { HealthCell } from '../core/service.js';
import { workerExecArgv } from '../core/worker-thread.js';
import type { CheckpointResult, CheckpointTask } from './checkpoint-worker.js';
import type { Db } from './database.js';

// From source (tsx: tests, dev) this module is .ts and so is its worker; compiled to dist/, both are .js.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './checkpoint-worker.ts' : './checkpoint-worker.js', import.meta.url);

/** SQLite's own default: a checkpoint once the WAL holds this many pages. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointerOptions {
  /** How often to look whether a checkpoint is due. */
  intervalMs?: number;
  /** Due once the controller's connection has changed this many rows since the last one. */
  minChanges?: number;
  log: Logger;
}

/**
 * Keeps WAL checkpoints off the event loop. Left to SQLite, the commit that
 * fills the WAL to 1,000 pages also copies them into the database and fsyncs
 * it: milliseconds on the controller's loop, on whichever commit comes, a
 * command's or a PA's included. Here the controller's connection never
 * checkpoints; a worker thread does, on a connection it keeps. Durability is
 * the same: a commit is durable once its WAL frames are, checkpointed or not.
 * If the worker fails, SQLite's own checkpoints come back, so the WAL never
 * grows without bound.
 */
export class WalCheckpointer {
  readonly #pool = new Piscina<CheckpointTask, CheckpointResult | undefined>({
    filename: WORKER.href,
    minThreads: 0,
    maxThreads: 1,
    // The thread keeps its connection between runs: it must outlive the interval.
    idleTimeout: Number.POSITIVE_INFINITY,
    execArgv: workerExecArgv(),
  });
  readonly #intervalMs: number;
  readonly #log: Logger;
  readonly #minChanges: number;
  /** SQLite's count of the rows the controller's connection has changed. */
  readonly #changes: () => number;
  /** That count when the last checkpoint started. */
  #changesAtLast = 0;
  #runs = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  /** Whether the worker may hold a connection to close. */
  #ran = false;
  readonly #health = new HealthCell('ok');
  /** `ok` while checkpoints run on the worker; `degraded` once they fell back to SQLite's own (on the event loop). */
  readonly health$ = this.#health.health$;
  /** Rejects when the pool reports a worker that failed outside any task (its task would never settle). */
  readonly #broken: Promise<never>;

  constructor(private readonly db: Db, private readonly path: string, { intervalMs = 10_000, minChanges = 1000, log }: WalCheckpointerOptions) {
    this.#intervalMs = intervalMs;
    this.#minChanges = minChanges;
    this.#log = log;
    const totalChanges = db.prepare('SELECT total_changes()').pluck();
    this.#changes = () => totalChanges.get() as number;
    // A worker that cannot start is reported on the pool, not by the task: unheard, it would end the process.
    this.#broken = new Promise((_, reject) => this.#pool.on('error', reject));
    this.#broken.catch(() => undefined);
  }

  /** Checkpoints started on the worker. */
  get runs(): number {
    return this.#runs;
  }

  /**
   * Checkpoints at once (what a power cut left in the WAL; the worker starts
   * up now, not mid-flight), then whenever `minChanges` rows have changed,
   * looking every interval. About as often as SQLite would (a checkpoint also
   * fsyncs the database, and a command's commit should rarely queue behind it).
   */
  start(): void {
    this.db.pragma('wal_autocheckpoint = 0');
    const run = () => void this.checkpoint().catch(() => undefined);
    this.#timer = setInterval(() => {
      // Not while one runs: a slow worker would otherwise have a queue of them, each found due before the first reset the count.
      if (!this.#running && this.#changes() - this.#changesAtLast >= this.#minChanges) run();
    }, this.#intervalMs);
    this.#timer.unref();
    run();
  }

  /** One checkpoint on the worker, after any that is running; falls back to SQLite's own on failure. Undefined once stopped or fallen back. */
  async checkpoint(): Promise<CheckpointResult | undefined> {
    while (this.#running) await this.#running.catch(() => undefined);
    if (!this.#timer) return undefined;
    this.#changesAtLast = this.#changes();
    const run = Promise.race([this.#pool.run({ path: this.path }), this.#broken]);
    this.#running = run;
    this.#ran = true;
    this.#runs++;
    try {
      return await run;
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'WAL checkpoint on the worker failed: SQLite checkpoints on commit again');
      this.#health.set('degraded', `checkpoint worker failed (${(err as Error).message}): SQLite checkpoints on commit again, on the event loop`);
      this.#fallBack();
      throw err;
    } finally {
      this.#running = undefined;
    }
  }

  /** Waits for a running checkpoint, closes the worker's connection, ends the worker and hands checkpoints back to SQLite (closing the database checkpoints too). */
  async stop(): Promise<void> {
    const ran = this.#ran;
    this.#fallBack();
    await this.#running?.catch(() => undefined);
    if (ran) await Promise.race([this.#pool.run({ path: this.path, close: true }), this.#broken]).catch(() => undefined);
    await this.#pool.destroy();
  }

  #fallBack(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  }
}
