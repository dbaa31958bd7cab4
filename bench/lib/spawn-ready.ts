import { spawn, type ChildProcess } from 'node:child_process';

export interface ReadyChild {
  child: ChildProcess;
  pid: number;
  /** The match of `ready` on the child's stdout. */
  match: RegExpExecArray;
  /** SIGTERM, then SIGKILL after `killAfterMs`; resolves with the exit code. */
  stop(killAfterMs?: number): Promise<number | null>;
}

/**
 * Spawns a long-running child and resolves once a line of its stdout matches
 * `ready`. Its output keeps being drained (a full pipe would stall the child)
 * and the tail is kept for the error if it dies first.
 */
export function spawnReady(
  command: string,
  args: readonly string[],
  opts: { ready: RegExp; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<ReadyChild> {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let stdout = '';
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-4000));
  child.stderr!.on('data', keep);
  const stop = (killAfterMs = 5000) =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      const kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.once('exit', (code) => {
        clearTimeout(kill);
        resolve(code);
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(0);
      reject(new Error(`${command} ${args.join(' ')}: not ready in ${opts.timeoutMs ?? 30_000} ms\n${tail}`));
    }, opts.timeoutMs ?? 30_000);
    const onData = (d: Buffer) => {
      keep(d);
      stdout += d.toString();
      const match = opts.ready.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData).on('data', keep);
      child.off('exit', onExit);
      resolve({ child, pid: child.pid!, match, stop });
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited (${code}) before it was ready\n${tail}`));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}
