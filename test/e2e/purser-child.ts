import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * `purser run` as a real child in its own process group (so a power cut can
 * SIGKILL the whole group, VLC and workers included), with an environment of
 * the test's choosing (NOTIFY_SOCKET, WATCHDOG_USEC). Unlike
 * test/helpers/spawn-controller.ts it resolves as soon as the child prints
 * either line, and reports both times.
 */
export interface PurserChild {
  proc: ChildProcess;
  pid: number;
  /** performance.now() at spawn. */
  spawnedAt: number;
  /** Resolves with the starting listener's URL ("purser: starting on URL"). */
  starting: Promise<{ url: string; t: number }>;
  /** Resolves once "purser: listening on URL" is printed; rejects if it exits first. */
  listening: Promise<{ url: string; t: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout: () => string;
  stderr: () => string;
  /** SIGKILL to the whole process group: a power cut. */
  cut(): void;
  /** SIGTERM to node; resolves with the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

export async function writeConfig(stateDir: string, extra: Record<string, unknown> = {}): Promise<string> {
  const cfgPath = join(stateDir, 'test-config.yaml');
  // Every bound port ephemeral: a configured port in use at the first start fails it (files run side by side).
  await writeFile(cfgPath, stringify({ stateDir, http: { host: '127.0.0.1', port: 0 }, tftp: { port: 0 }, console: { port: 0 }, ...extra }));
  return cfgPath;
}

/**
 * `built: true` runs the compiled tree (bin/purser.js → dist/, `npm run build`), as on the
 * head-end: no TypeScript transform at start, in the main thread or in worker threads.
 */
export function spawnPurser(cfgPath: string, opts: { env?: NodeJS.ProcessEnv; wrap?: string[]; built?: boolean } = {}): PurserChild {
  const entry = opts.built ? [join(ROOT, 'bin/purser.js')] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
  const argv = [process.execPath, ...entry, 'run', '--config', cfgPath];
  const [cmd, ...args] = [...(opts.wrap ?? []), ...argv] as [string, ...string[]];
  const spawnedAt = performance.now();
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, PURSER_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const line = (re: RegExp) =>
    new Promise<{ url: string; t: number }>((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(out);
        if (m) resolve({ url: m[1]!, t: performance.now() });
      };
      proc.stdout!.on('data', check);
      void exited.then(({ code, signal }) => reject(new Error(`purser exited (${code ?? signal}) before ${re}: ${err.slice(-2000)}`)));
    });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const starting = line(/starting on (http:\/\/\S+)/);
  const listening = line(/listening on (http:\/\/\S+)/);
  starting.catch(() => undefined);
  listening.catch(() => undefined);
  const cut = (): void => {
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return {
    proc,
    pid: proc.pid!,
    spawnedAt,
    starting,
    listening,
    exited,
    stdout: () => out,
    stderr: () => err,
    cut,
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** Waits for the exit, SIGKILLing the group after `ms`; for cleanup in `finally`. */
export async function reap(child: PurserChild, ms = 5000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
    child.cut(); // leftovers of the group, if any
    return;
  }
  const t = setTimeout(() => child.cut(), ms);
  await child.stop();
  clearTimeout(t);
  child.cut();
}
