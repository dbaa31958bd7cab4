import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The process's Node flags for a worker thread to inherit, less `--input-type`:
 * a process whose code came from `-e` or stdin carries it, and a worker that
 * runs a file refuses to start with it (ERR_INPUT_TYPE_NOT_ALLOWED). The rest,
 * `--import tsx` among them, the worker needs.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--input-type') i++; // its value is the next argument
    else if (!a.startsWith('--input-type=')) out.push(a);
  }
  return out;
}

/**
 * Starts a worker thread on `entry`, this module's sibling worker file. Compiled
 * (.js) it runs as plain ESM; from source (.ts, under tsx) it goes through a
 * CommonJS shim, the only way tsx's hooks reach a worker thread. Either way it
 * inherits the Node flags above. `workerData` reaches the worker as given.
 */
export function spawnWorker(entry: URL, workerData: Record<string, unknown> = {}): Worker {
  const execArgv = workerExecArgv();
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData, execArgv });
  return new Worker(new URL('./worker-from-source.cjs', import.meta.url), { workerData: { ...workerData, entry: fileURLToPath(entry) }, execArgv });
}
