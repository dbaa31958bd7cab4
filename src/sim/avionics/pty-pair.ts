import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { lstat, rm } from 'node:fs/promises';
import { backoffDelay } from '../../../core/backoff.js';

/** Whether socat is on the PATH (the demo runs the avionics only with it). */
export function hasSocat(): boolean {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * A socat pseudo-terminal pair, `a` and `b` as symlinks: one end for the
 * controller, the other for the simulated device. Supervised: if socat
 * dies it is started again with backoff (the controller's port reopens
 * by itself); stop() kills its process group and removes the links.
 * Tests that pull the device on purpose pass `supervise: false`.
 */
export class PtyPair {
  #proc: ChildProcess | null = null;
  #stopped = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;

  readonly #supervise: boolean;

  constructor(
    readonly a: string,
    readonly b: string,
    { supervise = true }: { supervise?: boolean } = {},
  ) {
    this.#supervise = supervise;
  }

  /** Starts socat; the ptys behind the links are new ones each time. */
  async start(): Promise<void> {
    if (this.#proc) throw new Error('socat is still running');
    this.#stopped = false;
    await this.#spawn();
  }

  async #spawn(): Promise<void> {
    await rm(this.a, { force: true });
    await rm(this.b, { force: true });
    const proc = spawn('socat', [`pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`], { detached: true, stdio: 'ignore' });
    this.#proc = proc;
    proc.on('error', () => undefined);
    proc.on('exit', () => {
      if (this.#proc !== proc) return;
      this.#proc = null;
      if (this.#stopped || !this.#supervise) return;
      this.#timer = setTimeout(() => void this.#spawn().catch(() => undefined), backoffDelay(this.#attempt++, { initialMs: 200, maxMs: 5000 }));
      this.#timer.unref();
    });
    const deadline = Date.now() + 5000;
    while (!(await exists(this.a)) || !(await exists(this.b))) {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`socat exited (${proc.exitCode ?? proc.signalCode})`);
      if (Date.now() > deadline) throw new Error('socat pty links did not appear within 5 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    this.#attempt = 0;
  }

  get running(): boolean {
    return this.#proc !== null;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  /** Kills socat (its process group) and waits; the links go with it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const proc = this.#proc;
    this.#proc = null;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      try {
        process.kill(-proc.pid!, 'SIGTERM');
      } catch {
        /* gone already */
      }
      await exited;
    }
    await rm(this.a, { force: true });
    await rm(this.b, { force: true });
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
