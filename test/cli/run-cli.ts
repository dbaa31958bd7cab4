import { spawn } from 'node:child_process';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Runs the CLI from source as a user would, and collects its output. */
export function purser(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * `purser run --config FILE` until it exits by itself (SIGKILLed after 60 s): its exit status, what
 * it said, and how long after its first line it exited (the start-failure tests' clock).
 */
export function runUntilExit(config: string): Promise<{ code: number | null; out: string; ms: number }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--config', config], { cwd: ROOT, env: { ...process.env, PURSER_LOG_LEVEL: 'error' }, detached: true });
    let out = '';
    let firstAt = 0;
    const timer = setTimeout(() => process.kill(-p.pid!, 'SIGKILL'), 60_000);
    const seen = (d: Buffer) => {
      firstAt ||= Date.now();
      out += d;
    };
    p.stdout.on('data', seen);
    p.stderr.on('data', seen);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: firstAt ? Date.now() - firstAt : 0 });
    });
  });
}
