import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter, timeout, type Observable } from 'rxjs';
import type { LogSink } from '../../core/log.js';

/** Set PURSER_TEST_LOG=1 to see what the supervisors say. */
export const testLog: LogSink = process.env.PURSER_TEST_LOG
  ? { info: (o, m) => console.log('info', m, o), warn: (o, m) => console.log('warn', m, o) }
  : { info: () => undefined, warn: () => undefined };

/** A temp dir VLC (running as nobody) can read clips from. */
export async function readableTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function waitFor<T>(source: Observable<T>, predicate: (v: T) => boolean, ms: number, what: string): Promise<T> {
  return firstValueFrom(source.pipe(filter(predicate), timeout({ first: ms, with: () => { throw new Error(`timed out after ${ms} ms waiting for ${what}`); } })));
}

/** Whether `pid` runs: a zombie (dead, its parent gone and not yet reaped) is not alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/PID/stat: "pid (comm) S ...": the state after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
