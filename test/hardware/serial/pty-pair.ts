import { spawn, type ChildProcess } from 'node:child_process';
import { lstat, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';

/** A socat pseudo-terminal pair: a controller opens `a`, the test plays the device on `b`. */
export class PtyPair {
  #proc: ChildProcess | null = null;

  private constructor(readonly a: string, readonly b: string) {}

  /** Starts socat with links a and b (in `dir`) and waits until both exist. */
  static async start(dir: string, names: [string, string] = ['A', 'B']): Promise<PtyPair> {
    const pair = new PtyPair(join(dir, names[0]), join(dir, names[1]));
    await pair.restart();
    return pair;
  }

  /** (Re)starts socat with the same link names; the ptys behind them are new ones. */
  async restart(): Promise<void> {
    if (this.#proc) throw new Error('socat is still running');
    // Own process group, so kill() takes socat and nothing else.
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    this.#proc = proc;
    const deadline = Date.now() + 5000;
    while (!(await exists(this.a)) || !(await exists(this.b))) {
      if (proc.exitCode !== null) throw new Error(`socat exited with ${proc.exitCode}`);
      if (Date.now() > deadline) throw new Error('socat links did not appear within 5 s');
      await sleep(10);
    }
  }

  get running(): boolean {
    return this.#proc !== null;
  }

  /** Kills socat (SIGTERM: it removes its links) and waits for it to exit. */
  async kill(): Promise<void> {
    const proc = this.#proc;
    if (!proc) return;
    this.#proc = null;
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      try {
        process.kill(-proc.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await exited;
    }
    // SIGKILL-style deaths leave links behind; the next socat must be able to create them.
    await rm(this.a, { force: true });
    await rm(this.b, { force: true });
  }

  ttyOf(link: string): Promise<string> {
    return realpath(link);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Polls until `check` returns a truthy value or the timeout passes (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(15);
  }
}

/**
 * The device side of the pair, on serialport's own stream API (independent of
 * the manager under test), collecting everything it receives.
 */
export class FarEnd {
  readonly received: Buffer[] = [];

  private constructor(readonly port: SerialPort) {
    port.on('data', (b: Buffer) => this.received.push(b));
    port.on('error', () => undefined);
  }

  static open(path: string): Promise<FarEnd> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 9600, lock: false }, (err) => (err ? reject(err) : resolve(new FarEnd(port))));
    });
  }

  bytes(): Buffer {
    return Buffer.concat(this.received);
  }

  write(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(data, (err) => (err ? reject(err) : this.port.drain((e) => (e ? reject(e) : resolve()))));
    });
  }

  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}
