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
