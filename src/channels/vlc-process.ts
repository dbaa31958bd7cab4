import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir } from 'node:fs/promises';
import net from 'node:net';
import { BehaviorSubject, type Observable } from 'rxjs';
import { backoffDelay, type BackoffPolicy } from '../../core/backoff.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { LogSink } from '../../core/log.js';
import { VlcTelnetClient } from '../../protocols/vlc-telnet/client.js';
import { VlcTimeoutError } from '../../protocols/vlc-telnet/errors.js';
import { commandAs, lookupIds, type RunAs } from './run-as.js';

export type VlcProcessState = 'starting' | 'running' | 'restarting' | 'down';

export interface VlcProcessStatus {
  state: VlcProcessState;
  /** Why, for a technician: the exit code, the timeout, the last stderr line. */
  detail: string;
  /** Monotonic ms. */
  since: number;
  pid: number | undefined;
  /** Restarts since start(). */
  restarts: number;
  /** VLC's telnet port on 127.0.0.1 while running. */
  telnetPort: number | undefined;
}

export interface VlcProcessOptions {
  /** Default `cvlc`. */
  vlcPath?: string;
  /** Used only when running as root. Default nobody:nogroup. */
  runAs?: RunAs;
  /** VLC's HOME (config, cache); created, and given to runAs when root. */
  homeDir: string;
  /** Outgoing multicast interface, e.g. `lo` in tests and the demo. */
  miface: string;
  ttl: number;
  extraArgs?: readonly string[];
  backoff?: BackoffPolicy;
  /** A telnet health check this often. Default 3000. */
  healthIntervalMs?: number;
  /** The health check's prompt must come back within this. Default 2000. */
  healthTimeoutMs?: number;
  /** Spawn to logged-in telnet within this. Default 10000. */
  startTimeoutMs?: number;
  /** Each VLM command's timeout on the client handed out. Default 5000. */
  commandTimeoutMs?: number;
  /** Running this long resets the backoff. Default 10000. */
  stableAfterMs?: number;
  log: LogSink;
  clock?: Clock;
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };
/** Logins tried on a dropped telnet connection before VLC is restarted instead. */
const RECONNECT_TRIES = 3;

/**
 * One supervised VLC with its telnet (VLM) interface on loopback: a fresh
 * random password and free port each start, watched by its exit and by a
 * telnet health check (no prompt in time: hung, SIGKILL), restarted with
 * full-jitter backoff, its process group always killed on stop. A dropped
 * telnet connection to a live VLC is logged in again, without a restart.
 * Owners get a logged-in client on client$ after every (re)start or
 * reconnect and null while there is none; after a restart everything VLC knew
 * is gone, after a reconnect it is all still there (owners look with `show`).
 */
export class VlcProcess {
  readonly #opts: VlcProcessOptions;
  readonly #clock: Clock;
  readonly #state: BehaviorSubject<VlcProcessStatus>;
  readonly #client = new BehaviorSubject<VlcTelnetClient | null>(null);
  readonly state$: Observable<VlcProcessStatus>;
  /** A logged-in client after each (re)start, null while VLC is down. */
  readonly client$: Observable<VlcTelnetClient | null> = this.#client.asObservable();
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #healthTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #restarts = 0;
  #runningSince = 0;
  #stopped = true;
  #generation = 0;
  #stderrTail = '';
  #port: number | undefined;
  #reconnects = 0;
  /** uid:gid VLC runs as when we are root (setpriv), else null. */
  #ids: { uid: number; gid: number } | null = null;

  constructor(opts: VlcProcessOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#state = new BehaviorSubject<VlcProcessStatus>({ state: 'down', detail: 'not started', since: this.#clock.mono(), pid: undefined, restarts: 0, telnetPort: undefined });
    this.state$ = this.#state.asObservable();
  }

  get status(): VlcProcessStatus {
    return this.#state.value;
  }

  get client(): VlcTelnetClient | null {
    return this.#client.value;
  }

  /** Starts VLC; resolves after the first attempt, whether it came up or a retry is scheduled. */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#restarts = 0;
    this.#attempt = 0;
    await this.#launch();
  }

  /** Stops VLC (SIGTERM to its group, SIGKILL after 2 s) and any retry; state `down`. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation++;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#healthTimer);
    this.#dropClient();
    await this.#killChild('SIGTERM', 2000);
    this.#set('down', 'stopped');
  }

  async #launch(): Promise<void> {
    const gen = ++this.#generation;
    this.#set(this.#restarts === 0 ? 'starting' : 'restarting', 'starting VLC');
    try {
      const port = await freePort();
      this.#port = port;
      const password = randomBytes(16).toString('hex');
      await this.#prepareHome();
      if (gen !== this.#generation) return;
      this.#spawn(port, password, gen);
      const client = await this.#login(port, password, gen);
      if (gen !== this.#generation) {
        client.close();
        return;
      }
      this.#runningSince = this.#clock.mono();
      this.#opts.log.info({ pid: this.#child?.pid, port }, 'VLC running');
      this.#hand(client, gen, port, password);
    } catch (err) {
      await this.#fail((err as Error).message, gen);
    }
  }

  /** Hands a logged-in client to the owners, health-checked, and watches it for a lost connection. */
  #hand(client: VlcTelnetClient, gen: number, port: number, password: string): void {
    client.closed$.subscribe(({ error }) => {
      if (gen !== this.#generation || this.#stopped || this.#client.value !== client) return;
      // No prompt in time: VLC is hung, a reconnect would hang too. Otherwise the connection
      // itself went (VLC alive): log in again, and VLC keeps streaming meanwhile.
      if (error instanceof VlcTimeoutError) void this.#fail(`telnet connection lost: ${error.message}`, gen);
      else void this.#reconnect(gen, port, password, error?.message ?? 'closed');
    });
    this.#set('running', `telnet on 127.0.0.1:${port}`);
    this.#client.next(client);
    this.#startHealthChecks(client, gen);
  }

  /**
   * The telnet connection dropped while VLC runs: log in again on the same
   * port and password (VLC still has every channel, and keeps streaming);
   * only if that fails within a few tries is VLC restarted.
   */
  async #reconnect(gen: number, port: number, password: string, why: string): Promise<void> {
    clearInterval(this.#healthTimer);
    // client$ keeps the closed client (its commands reject) rather than null: null means VLC and
    // everything it streamed are gone, which a reconnect is not.
    this.#set('running', `telnet connection lost (${why}); logging in again`);
    this.#opts.log.warn({ port, why }, 'VLC telnet connection lost; reconnecting');
    let last: Error | undefined;
    for (let i = 0; i < RECONNECT_TRIES; i++) {
      if (gen !== this.#generation || this.#stopped) return;
      try {
        const client = await VlcTelnetClient.connect({ port, password, loginTimeoutMs: 2000, commandTimeoutMs: this.#opts.commandTimeoutMs ?? 5000 });
        if (gen !== this.#generation || this.#stopped) {
          client.close();
          return;
        }
        this.#reconnects++;
        this.#opts.log.info({ port, reconnects: this.#reconnects }, 'VLC telnet reconnected');
        this.#hand(client, gen, port, password);
        return;
      } catch (err) {
        last = err as Error;
        await sleep(200);
      }
    }
    await this.#fail(`telnet connection lost (${why}) and logging in again failed: ${last?.message ?? 'superseded'}`, gen);
  }

  /** Telnet connections re-established to a running VLC (no restart), since construction. */
  get reconnects(): number {
    return this.#reconnects;
  }

  async #prepareHome(): Promise<void> {
    await mkdir(this.#opts.homeDir, { recursive: true, mode: 0o700 });
    this.#ids = null;
    if (isRoot()) {
      const ids = await lookupIds(this.#runAs());
      if (ids.uid === 0) throw new Error('VLC refuses to run as root: configure an unprivileged vlc.user');
      await chown(this.#opts.homeDir, ids.uid, ids.gid);
      this.#ids = ids;
    }
  }

  #runAs(): RunAs {
    return this.#opts.runAs ?? { user: 'nobody', group: 'nogroup' };
  }

  #spawn(port: number, password: string, gen: number): void {
    const o = this.#opts;
    const argv = [
      o.vlcPath ?? 'cvlc',
      '-I', 'telnet',
      // A URL to VLC: a bare address would listen on every address.
      '--telnet-host', '//127.0.0.1',
      '--telnet-port', String(port),
      '--telnet-password', password,
      '--miface', o.miface,
      '--ttl', String(o.ttl),
      // Time a file's MPEG-TS from its DTS, not its PCR: VLC otherwise waits about 1.3 s for the
      // clock to settle before the first packet of a TS source goes out (0.7 s without; docs/channels.md).
      '--no-ts-trust-pcr',
      ...(o.extraArgs ?? []),
    ];
    const { cmd, args } = commandAs(argv, o.homeDir, this.#ids);
    this.#stderrTail = '';
    // Its own process group, so stop() reaches VLC behind setpriv/env/cvlc.
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.on('data', (d: Buffer) => (this.#stderrTail = (this.#stderrTail + d.toString()).slice(-1000)));
    child.once('error', (err) => {
      if (gen === this.#generation) void this.#fail(`cannot start ${cmd}: ${err.message}`, gen);
    });
    child.once('exit', (code, signal) => {
      if (gen === this.#generation && !this.#stopped) void this.#fail(`VLC exited (${signal ?? `code ${code}`})${this.#lastStderr()}`, gen);
    });
    this.#set(this.#state.value.state, `spawned pid ${child.pid}`);
  }

  async #login(port: number, password: string, gen: number): Promise<VlcTelnetClient> {
    const deadline = this.#clock.mono() + (this.#opts.startTimeoutMs ?? 10_000);
    let last: Error | undefined;
    while (this.#clock.mono() < deadline && gen === this.#generation) {
      try {
        return await VlcTelnetClient.connect({ port, password, loginTimeoutMs: 3000, commandTimeoutMs: this.#opts.commandTimeoutMs ?? 5000 });
      } catch (err) {
        last = err as Error;
        if ((err as Error).name === 'VlcLoginError') throw err;
        await sleep(50); // VLC opens its telnet port 100-200 ms after it starts: every ms counts after a crash
      }
    }
    throw new Error(`VLC telnet did not come up: ${last?.message ?? 'superseded'}${this.#lastStderr()}`);
  }

  #startHealthChecks(client: VlcTelnetClient, gen: number): void {
    clearInterval(this.#healthTimer);
    const timeoutMs = this.#opts.healthTimeoutMs ?? 2000;
    this.#healthTimer = setInterval(() => {
      if (gen !== this.#generation) return;
      // `show` of a name VLM does not have answers `show` at once: a cheap prompt round trip.
      client.command('show purser-health-check', { timeoutMs }).catch((err: Error) => {
        if (gen === this.#generation && !this.#stopped) void this.#fail(`health check failed (hung?): ${err.message}`, gen);
      });
    }, this.#opts.healthIntervalMs ?? 3000);
    this.#healthTimer.unref();
  }

  async #fail(reason: string, gen: number): Promise<void> {
    if (gen !== this.#generation || this.#stopped) return;
    this.#generation++;
    const next = this.#generation;
    clearInterval(this.#healthTimer);
    this.#dropClient();
    if (this.#runningSince > 0 && this.#clock.mono() - this.#runningSince >= (this.#opts.stableAfterMs ?? 10_000)) this.#attempt = 0;
    this.#runningSince = 0;
    await this.#killChild('SIGKILL', 2000);
    if (this.#stopped || next !== this.#generation) return;
    // The first restart after a stable run is at once (one process, no herd to spread out: every
    // second off air counts); a VLC that keeps failing backs off with full jitter.
    const attempt = this.#attempt++;
    const delay = attempt === 0 ? 0 : backoffDelay(attempt - 1, this.#opts.backoff ?? DEFAULT_BACKOFF);
    this.#restarts++;
    this.#opts.log.warn({ reason, retryInMs: delay, restarts: this.#restarts }, 'VLC down; restarting');
    this.#set('restarting', `${reason}; restarting in ${delay} ms`);
    this.#retryTimer = setTimeout(() => {
      if (!this.#stopped && next === this.#generation) void this.#launch();
    }, delay);
  }

  #dropClient(): void {
    const client = this.#client.value;
    if (client) {
      this.#client.next(null);
      client.close();
    }
  }

  async #killChild(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.#child;
    if (!child || child.pid === undefined) return;
    this.#child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup(child.pid, signal);
      const exited = await Promise.race([this.#exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!exited) {
        signalGroup(child.pid, 'SIGKILL');
        await Promise.race([this.#exited, sleep(graceMs)]);
      }
    }
    // VLC's own children (none expected) die with the group even after VLC exited.
    signalGroup(child.pid, 'SIGKILL');
  }

  #lastStderr(): string {
    const line = this.#stderrTail.trim().split('\n').pop();
    return line ? `: ${line}` : '';
  }

  #set(state: VlcProcessState, detail: string): void {
    this.#state.next({ state, detail, since: this.#clock.mono(), pid: this.#child?.pid, restarts: this.#restarts, telnetPort: state === 'running' ? this.#port : undefined });
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A free TCP port on loopback for VLC's telnet: VLC cannot be told to pick one and report it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
