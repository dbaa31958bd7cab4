import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unixDgram, type DgramSocket } from '../../src/systemd/unix-dgram.js';

export const SYSTEMD_DIR = new URL('../../systemd/', import.meta.url).pathname;

export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface Datagram {
  text: string;
  /** performance.now() when it arrived. */
  t: number;
}

/** A fake NOTIFY_SOCKET: a bound unix datagram socket recording what arrives. */
export interface NotifyReceiver {
  path: string;
  received: Datagram[];
  /** Every assignment line seen, in order, with arrival time. */
  lines(): Datagram[];
  waitFor(pred: (d: Datagram) => boolean, timeoutMs?: number): Promise<Datagram>;
  close(): void;
}

export function notifyReceiver(path: string): NotifyReceiver {
  const mod = unixDgram();
  if (mod instanceof Error) throw mod;
  const received: Datagram[] = [];
  const waiters = new Set<() => void>();
  const sock: DgramSocket = mod.createSocket('unix_dgram');
  sock.on('error', (err) => {
    throw err;
  });
  sock.on('message', (buf) => {
    received.push({ text: buf.toString(), t: performance.now() });
    for (const w of waiters) w();
  });
  sock.bind(path);
  let closed = false;
  return {
    path,
    received,
    lines: () => received.flatMap((d) => d.text.split('\n').filter(Boolean).map((text) => ({ text, t: d.t }))),
    waitFor(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = received.find(pred);
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching datagram in ${timeoutMs} ms; got ${JSON.stringify(received.map((d) => d.text))}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      if (closed) return;
      closed = true;
      sock.close();
    },
  };
}

/** Runs a command to its end: exit code, stdout, stderr. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 20_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
