import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface SpawnedController {
  url: string;
  proc: ChildProcess;
  stderr: () => string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

/** Runs `purser run --config` from source as a real child process, on 127.0.0.1 with an ephemeral port. */
export async function spawnController(stateDir: string, extra: Record<string, unknown> = {}): Promise<SpawnedController> {
  const cfgPath = join(stateDir, 'test-config.yaml');
  // Ephemeral ports throughout, so tests running side by side never contend for one.
  await writeFile(cfgPath, stringify({ stateDir, http: { host: '127.0.0.1', port: 0 }, tftp: { port: 0 }, console: { port: 0 }, vlc: { enabled: false }, ...extra }));
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', '--config', cfgPath], {
    cwd: ROOT,
    env: { ...process.env, PURSER_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`controller did not start in 30 s: ${err}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      // Tests use every service at once: wait for the ones that start after seats are answered too.
      if (m && out.includes('purser: every service started')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`controller exited with ${code}: ${err}`));
    });
  });
  return {
    url,
    proc,
    stderr: () => err,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill('SIGTERM');
      }),
  };
}
