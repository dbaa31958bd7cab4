import { mkdtemp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { PtyPair as SimPtyPair } from '../../../src/sim/avionics/pty-pair.js';

/**
 * A socat pseudo-terminal pair for tests: a controller opens `a`, the test plays
 * the device on `b`. The simulator's pair, unsupervised: a test that kills it
 * has pulled the device until it calls restart().
 */
export class PtyPair {
  private constructor(readonly a: string, readonly b: string, readonly pty: SimPtyPair) {}

  /** Starts socat with links a and b (in `dir`) and waits until both exist. */
  static async start(dir: string, names: [string, string] = ['A', 'B']): Promise<PtyPair> {
    const [a, b] = [join(dir, names[0]), join(dir, names[1])];
    const pair = new PtyPair(a, b, new SimPtyPair(a, b, { supervise: false }));
    await pair.restart();
    return pair;
  }

  /** (Re)starts socat with the same link names; the ptys behind them are new ones. */
  restart(): Promise<void> {
    return this.pty.start();
  }

  get running(): boolean {
    return this.pty.running;
  }

  /** Kills socat and waits for it to exit; its links are removed. */
  kill(): Promise<void> {
    return this.pty.stop();
  }

  ttyOf(link: string): Promise<string> {
    return realpath(link);
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
