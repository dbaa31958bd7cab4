import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { backoffDelay, type BackoffPolicy } from '../../core/backoff.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { RateLimitedWarn } from '../../core/rate-limited-warn.js';
import { deviceEventFrom, type DeviceEvent } from './block-event.js';
import { parseExportDb } from './export-db-parser.js';
import { UdevMonitorParser } from './monitor-parser.js';
import { runChecked, runCommand } from './run-command.js';

/**
 * Block-device events from a supervised `udevadm monitor` child, knowing no
 * cabin. On every (re)start it first listens, then enumerates what udev
 * already knows (`udevadm settle`, `udevadm info --export-db`) and emits it as
 * `add` with `coldplug: true`, so a drive plugged in before the controller
 * started, or while the monitor was down, is not missed; a device that went
 * away while it was down gets a `remove` (also `coldplug: true`).
 */

export type MonitorStateName = 'running' | 'restarting' | 'down';

export interface MonitorState {
  state: MonitorStateName;
  /** Human-readable: why it is restarting, or a warning while running. */
  detail: string;
  /** Wall-clock ms of the last state change (display only). */
  since: number;
  /** How many times the child was restarted since start(). */
  restarts: number;
  pid: number | undefined;
}

export interface UdevMonitorOptions {
  log?: LogSink;
  /** The udevadm binary. */
  udevadm?: string;
  /** udev subsystems to watch; default ['block']. Add 'usb' to hear about keyboards and phones too. */
  subsystems?: readonly string[];
  backoff?: BackoffPolicy;
  /** After running this long, a crash restarts from the first backoff step again. */
  healthyAfterMs?: number;
  /** `udevadm settle --timeout` before enumerating, in seconds; 0 skips settle. */
  settleTimeoutS?: number;
  /** How long to wait for udevadm's "listening" preamble before enumerating anyway. */
  readyTimeoutMs?: number;
  /** Where sysfs is, for each disk's `removable` flag. */
  sysfsRoot?: string;
  clock?: Clock;
  random?: () => number;
}

export interface MonitorStats {
  events: number;
  coldplugged: number;
  malformed: number;
  restarts: number;
}

export class UdevMonitor {
  readonly #opts: Required<Omit<UdevMonitorOptions, 'log' | 'clock' | 'random'>>;
  readonly #log: LogSink;
  readonly #warn: RateLimitedWarn;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #state: BehaviorSubject<MonitorState>;
  readonly #events = new Subject<DeviceEvent>();
  readonly #devices = new BehaviorSubject<ReadonlyMap<string, DeviceEvent>>(new Map());
  readonly state$: Observable<MonitorState>;
  /** Every event, live and coldplug, in order. Hot: subscribe before start() to see the coldplug adds. */
  readonly events$: Observable<DeviceEvent>;
  /** The block devices udev knows now, by devpath; a new Map on every change. */
  readonly devices$: Observable<ReadonlyMap<string, DeviceEvent>>;
  readonly stats: MonitorStats = { events: 0, coldplugged: 0, malformed: 0, restarts: 0 };

  #child: ChildProcess | undefined;
  #childExited: Promise<void> = Promise.resolve();
  #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #startedAt = 0;
  #stopped = true;
  /** Every device change goes through this chain, so events stay in order across async steps. */
  #chain: Promise<void> = Promise.resolve();

  constructor(opts: UdevMonitorOptions = {}) {
    this.#opts = {
      udevadm: opts.udevadm ?? 'udevadm',
      subsystems: opts.subsystems ?? ['block'],
      backoff: opts.backoff ?? { initialMs: 500, maxMs: 30_000 },
      healthyAfterMs: opts.healthyAfterMs ?? 30_000,
      settleTimeoutS: opts.settleTimeoutS ?? 5,
      readyTimeoutMs: opts.readyTimeoutMs ?? 3000,
      sysfsRoot: opts.sysfsRoot ?? '/sys',
    };
    this.#log = opts.log ?? silentLog;
    this.#warn = new RateLimitedWarn(this.#log);
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? Math.random;
    this.#state = new BehaviorSubject<MonitorState>({ state: 'down', detail: 'not started', since: this.#clock.wall(), restarts: 0, pid: undefined });
    this.state$ = this.#state.asObservable();
    this.events$ = this.#events.asObservable();
    this.devices$ = this.#devices.asObservable();
  }

  get state(): MonitorState {
    return this.#state.value;
  }

  get devices(): ReadonlyMap<string, DeviceEvent> {
    return this.#devices.value;
  }

  /**
   * Starts the child. Resolves once the first run has enumerated the devices
   * (state `running`) or has failed (state `restarting`, retried with backoff).
   */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#abort = new AbortController();
    this.#attempt = 0;
    this.stats.restarts = 0;
    await this.#run();
  }

  /** Stops the child (its whole process group) and any udevadm it is running; no restart follows. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#abort.abort();
    const child = this.#child;
    if (child) killGroup(child, 'SIGTERM');
    const exited = this.#childExited;
    const force = setTimeout(() => child && killGroup(child, 'SIGKILL'), 2000);
    await exited;
    clearTimeout(force);
    await this.#chain;
    this.#setState('down', 'stopped');
  }

  async #run(): Promise<void> {
    if (this.#stopped) return;
    const parser = new UdevMonitorParser({
      onMalformed: (reason) => {
        this.stats.malformed++;
        this.#warn.warn('udev-malformed', { reason }, 'udevadm monitor printed a block that is not an event; skipped');
      },
    });
    const args = ['monitor', '--udev', '--property', ...this.#opts.subsystems.map((s) => `--subsystem-match=${s}`)];
    let child: ChildProcess;
    try {
      // Its own process group: stop() kills the group, so nothing it forks outlives us.
      child = spawn(this.#opts.udevadm, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      return this.#failed(`cannot start ${this.#opts.udevadm}: ${(e as Error).message}`);
    }
    this.#child = child;
    let resolveExit!: () => void;
    this.#childExited = new Promise((r) => (resolveExit = r));
    let stderrTail = '';
    let exited = false;
    let onListening: (() => void) | undefined;
    const onExit = (why: string) => {
      if (exited) return;
      exited = true;
      this.#child = undefined;
      resolveExit();
      onListening?.();
      if (!this.#stopped) this.#failed(why);
    };
    child.on('error', (e) => onExit(`${this.#opts.udevadm}: ${e.message}`));
    child.on('exit', (code, signal) => {
      const tail = stderrTail.trim().split('\n').pop();
      onExit(`udevadm monitor exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`);
    });
    child.stderr!.on('data', (b: Buffer) => (stderrTail = (stderrTail + b.toString('utf8')).slice(-2000)));
    child.stdout!.on('data', (b: Buffer) => {
      for (const ev of parser.push(b)) this.#enqueue(() => this.#applyLive(ev));
      if (parser.stats.listening) onListening?.();
    });

    // Listen first, enumerate second: a device plugged in between the two shows up in both,
    // never in neither.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (!exited) this.#log.warn({ waitedMs: this.#opts.readyTimeoutMs }, 'udevadm monitor did not say it is listening; enumerating anyway');
        done();
      }, this.#opts.readyTimeoutMs);
      const done = () => {
        clearTimeout(timer);
        onListening = undefined;
        resolve();
      };
      onListening = done;
      if (parser.stats.listening || exited) done();
    });
    if (exited || this.#stopped) return;
    this.#startedAt = this.#clock.mono();
    await this.#enqueue(() => this.#coldplug());
    if (exited || this.#stopped) return;
    // Without systemd-udevd the monitor runs but hears nothing: say so instead of looking healthy.
    const udevd = await runCommand(this.#opts.udevadm, ['control', '--ping', '--timeout=2'], { timeoutMs: 4000, signal: this.#abort.signal }).then(
      (r) => r.code === 0,
      () => false,
    );
    if (exited || this.#stopped) return;
    this.#setState('running', udevd ? 'listening' : 'listening, but systemd-udevd does not answer: no events will arrive until it runs', child.pid);
    this.#log.info({ pid: child.pid, devices: this.#devices.value.size, udevd }, 'udevadm monitor running');
  }

  #failed(why: string): void {
    if (this.#stopped) return;
    if (this.#startedAt > 0 && this.#clock.mono() - this.#startedAt >= this.#opts.healthyAfterMs) this.#attempt = 0;
    this.#startedAt = 0;
    const delay = backoffDelay(this.#attempt++, this.#opts.backoff, this.#random);
    this.stats.restarts++;
    this.#log.warn({ err: why, retryInMs: delay }, 'udev monitor down; restarting');
    this.#setState('restarting', `${why}; restarting in ${delay} ms`);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#run(), delay);
  }

  /** Reconciles the device map with udev's database and emits the difference as coldplug events. */
  async #coldplug(): Promise<void> {
    const signal = this.#abort.signal;
    if (this.#opts.settleTimeoutS > 0) {
      // Let udev finish events already queued, so the database is not half-written.
      await runCommand(this.#opts.udevadm, ['settle', `--timeout=${this.#opts.settleTimeoutS}`], {
        timeoutMs: this.#opts.settleTimeoutS * 1000 + 2000,
        signal,
      }).catch((e: Error) => this.#log.debug?.({ err: e.message }, 'udevadm settle failed'));
    }
    let text: string;
    try {
      text = (await runChecked(this.#opts.udevadm, ['info', '--export-db'], { timeoutMs: 15_000, signal })).stdout;
    } catch (e) {
      if (this.#stopped) return;
      // Keep what we had: without the database we cannot tell what left.
      this.#warn.warn('udev-export-db', { err: (e as Error).message }, 'cannot enumerate devices; keeping the last known ones');
      return;
    }
    if (this.#stopped) return;
    const found = new Map<string, DeviceEvent>();
    let malformed = 0;
    for (const subsystem of this.#opts.subsystems) {
      const r = parseExportDb(text, { subsystem });
      malformed += r.malformed;
      for (const d of r.devices) found.set(d.devpath, d);
    }
    if (malformed > 0) this.#warn.warn('udev-export-db-malformed', { malformed }, 'udevadm info --export-db printed records that do not parse; skipped');
    const map = new Map(this.#devices.value);
    for (const [devpath, old] of this.#devices.value) {
      if (found.has(devpath)) continue;
      map.delete(devpath);
      this.#emit(deviceEventFrom(old.props, 'remove', devpath, { coldplug: true }));
    }
    for (const [devpath, dev] of found) {
      const old = map.get(devpath);
      if (old && sameProps(old.props, dev.props)) continue;
      const ev = await this.#enrich(dev);
      map.set(devpath, ev);
      this.stats.coldplugged++;
      this.#emit(ev);
    }
    this.#devices.next(map);
  }

  async #applyLive(raw: DeviceEvent): Promise<void> {
    if (this.#stopped) return;
    const ev = await this.#enrich(raw);
    const map = new Map(this.#devices.value);
    const old = ev.props.get('DEVPATH_OLD');
    if (ev.action === 'move' && old !== undefined) map.delete(old);
    if (ev.action === 'remove') map.delete(ev.devpath);
    else map.set(ev.devpath, ev);
    this.#devices.next(map);
    this.#emit(ev);
  }

  /** Adds the disk's sysfs `removable` flag (a partition reads its disk's). */
  async #enrich(ev: DeviceEvent): Promise<DeviceEvent> {
    if (ev.action === 'remove' || ev.subsystem !== 'block' || ev.devpath.includes('..')) return ev;
    const disk = ev.devtype === 'partition' ? dirname(ev.devpath) : ev.devpath;
    try {
      const flag = (await readFile(`${this.#opts.sysfsRoot}${disk}/removable`, 'utf8')).trim();
      return { ...ev, removable: flag === '1' };
    } catch {
      return ev;
    }
  }

  #emit(ev: DeviceEvent): void {
    if (this.#stopped) return;
    this.stats.events++;
    this.#events.next(ev);
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(job).catch((e: Error) => this.#log.warn({ err: e.message }, 'udev event handling failed'));
    this.#chain = next;
    return next;
  }

  #setState(state: MonitorStateName, detail: string, pid?: number): void {
    this.#state.next({ state, detail, since: this.#clock.wall(), restarts: this.stats.restarts, pid });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function sameProps(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  // USEC_INITIALIZED and SEQNUM differ between a live event and the database for the same state.
  const strip = (m: ReadonlyMap<string, string>) =>
    [...m].filter(([k]) => k !== 'SEQNUM' && k !== 'ACTION' && k !== 'USEC_INITIALIZED').sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}
