import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { percentiles } from './percentile.js';
import { cpuPercent, sampleProc, type ProcSample } from './proc.js';
import type { ContentStats } from '../../src/sim/content/content-seat.js';
import type { ShareReport, ToParent, ToWorker } from './seat-load-protocol.js';

export interface SeatLoadOptions {
  /** The server's base URL. */
  controller: string;
  secret: Buffer;
  /** Every seat id the load may use, in the order they are added (row-major, from the server's own layout). */
  seatIds: readonly string[];
  /** Seat processes (default 4). */
  shares?: number;
  /**
   * The cabin index of seatIds[0] (default 0): a seat's LRU serial, playback and poll phase follow its index,
   * so a second load in the same cabin must start past the first, or its seats claim the first load's units.
   */
  firstIndex?: number;
  /** Poll v1 on every seat (no nonce even when the controller hands one out). Default false: v1.1 when offered. */
  legacyPoll?: boolean;
  /** Each seat polls over a raw TCP connection of its own (bench/lib/raw-poll-client.ts) rather than node:http's agent: the lean load (answers must carry a Content-Length, as fastify's do). Default false. */
  rawConnections?: boolean;
  requestTimeoutMs?: number;
  /**
   * The seat processes' nice value (default: this process's). On the aircraft every seat is a computer of
   * its own: a bench whose seats do heavy work (hashing downloads) lowers them so that what it measures of
   * the controller is not the seats' share of the same cores.
   */
  nice?: number;
}

/** One measurement window of the whole load. */
export interface LoadWindow {
  seats: number;
  /** Seats whose polls carry a nonce (poll v1.1). */
  withNonce: number;
  answeredPerSec: number;
  sent: number;
  ok: number;
  failed: number;
  errors: Record<string, number>;
  latencyMs: { count: number; p50: number | null; p99: number | null; max: number | null };
  /** The load generator: the seat processes' CPU together (% of one core), and the busiest one's. */
  cpuPercent: number;
  busiestShareCpuPercent: number;
  /** The worst seat process's loop lag, and the highest share of the window any seat process's loop was busy. */
  loopLag: { p99Ms: number; maxMs: number };
  loopUtilization: number;
  /** Content figures of all the seat processes since enableContent() (running totals, not per window). */
  content?: ContentStats;
  /** Seats whose content is ready, per catalog version. */
  contentReady?: Record<string, number>;
}

interface Share {
  child: ChildProcess;
  /** Replies in order: each request waits for the next message. */
  waiting: ((m: ToParent) => void)[];
  exited: Promise<void>;
}

/**
 * Simulated seats spread over several processes (each a SeatPlayer per seat
 * and one keep-alive agent, bench/lib/seat-load-worker.ts), so the load
 * generator's own event loop is not what a benchmark measures. Seat i goes to
 * share i mod N; each share connects from its own loopback address
 * (127.0.0.2, .3, ...).
 */
export class SeatLoad {
  #shares: Share[];
  #ids: readonly string[];
  #seats = 0;
  #stopped = false;

  readonly #firstIndex: number;

  private constructor(shares: Share[], ids: readonly string[], firstIndex: number) {
    this.#shares = shares;
    this.#ids = ids;
    this.#firstIndex = firstIndex;
  }

  static async start(opts: SeatLoadOptions): Promise<SeatLoad> {
    const n = opts.shares ?? 4;
    if (!Number.isInteger(n) || n < 1 || n > 200) throw new RangeError(`${n} seat processes: must be 1..200`);
    const shares: Share[] = [];
    const load = new SeatLoad(shares, opts.seatIds, opts.firstIndex ?? 0);
    try {
      for (let k = 0; k < n; k++) shares.push(spawnShare());
      if (opts.nice !== undefined) for (const sh of shares) setPriority(sh.child.pid!, opts.nice);
      await load.#all((k) => ({
        type: 'init',
        controller: opts.controller,
        secretHex: opts.secret.toString('hex'),
        localAddress: `127.0.0.${2 + k}`,
        legacyPoll: opts.legacyPoll ?? false,
        rawConnections: opts.rawConnections ?? false,
        requestTimeoutMs: opts.requestTimeoutMs ?? 5000,
      }));
    } catch (err) {
      await load.stop();
      throw err;
    }
    return load;
  }

  get seats(): number {
    return this.#seats;
  }

  /** Process ids of the seat processes. */
  get pids(): number[] {
    return this.#shares.map((s) => s.child.pid!);
  }

  /** Adds and starts the next `count` seats; resolves once every share has them. */
  async addSeats(count: number): Promise<void> {
    const from = this.#seats;
    if (!Number.isInteger(count) || count < 0 || from + count > this.#ids.length) {
      throw new RangeError(`cannot have ${from + count} seats: ${this.#ids.length} seat ids`);
    }
    const n = this.#shares.length;
    const batches = this.#shares.map(() => [] as { id: string; index: number }[]);
    for (let i = from; i < from + count; i++) batches[i % n]!.push({ id: this.#ids[i]!, index: this.#firstIndex + i });
    await this.#all((k) => ({ type: 'add', seats: batches[k]! }));
    this.#seats = from + count;
  }

  /** Measures every share over `ms` and merges the figures (percentiles over all the shares' polls). */
  async measure(ms: number): Promise<LoadWindow> {
    const w = await this.startWindow();
    await new Promise((r) => setTimeout(r, ms));
    return w.end();
  }

  /** Starts a measurement window that lasts until its end() (for a bench that waits for a condition, not a time). */
  async startWindow(): Promise<{ end(): Promise<LoadWindow> }> {
    await this.#all(() => ({ type: 'reset' }));
    const cpu0 = this.pids.map(sampleProc);
    return {
      end: async () => {
        const cpu1 = this.pids.map(sampleProc);
        const reports = (await this.#all(() => ({ type: 'report' }))) as ShareReport[];
        return mergeReports(reports, cpu0, cpu1);
      },
    };
  }

  /** Gives every seat so far a content library (each seat's next sync cut `disconnects` times; only catalog `only` if given); see LoadWindow.content. */
  async enableContent(disconnects: number, only?: string): Promise<void> {
    await this.#all(() => ({ type: 'content', disconnects, ...(only !== undefined ? { only } : {}) }));
  }

  /** Stops every seat and every seat process (killed if it does not end in 5 s). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(
      this.#shares.map(async (s) => {
        if (s.child.connected) {
          const bye = ask(s, { type: 'stop' }).catch(() => undefined);
          await Promise.race([bye, new Promise((r) => setTimeout(r, 5000).unref())]);
        }
        if (s.child.exitCode === null && s.child.signalCode === null) {
          const kill = setTimeout(() => s.child.kill('SIGKILL'), 5000);
          s.child.kill('SIGTERM');
          await s.exited;
          clearTimeout(kill);
        }
      }),
    );
  }

  #all(message: (k: number) => ToWorker): Promise<ToParent[]> {
    return Promise.all(this.#shares.map((s, k) => ask(s, message(k))));
  }
}

function spawnShare(): Share {
  // Its own flags only: a --cpu-prof meant for the bench must not land here.
  const child = fork(new URL('./seat-load-worker.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const share: Share = { child, waiting: [], exited: new Promise((r) => child.once('exit', () => r())) };
  child.on('message', (m: ToParent) => share.waiting.shift()?.(m));
  child.once('exit', (code, signal) => {
    const gone: ToParent = { type: 'error', message: `seat process ${child.pid} exited (${code ?? signal})` };
    for (const w of share.waiting.splice(0)) w(gone);
  });
  return share;
}

function ask(share: Share, m: ToWorker): Promise<ToParent> {
  return new Promise((resolve, reject) => {
    share.waiting.push((reply) => (reply.type === 'error' ? reject(new Error(reply.message)) : resolve(reply)));
    share.child.send(m, (err) => {
      if (err) reject(err);
    });
  });
}

/** One window's figures for the whole load from each share's report and CPU samples. */
export function mergeReports(reports: readonly ShareReport[], cpu0: readonly ProcSample[], cpu1: readonly ProcSample[]): LoadWindow {
  const errors: Record<string, number> = {};
  for (const r of reports) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const all = new Float64Array(reports.reduce((n, r) => n + r.latenciesMs.length, 0));
  reports.reduce((at, r) => (all.set(r.latenciesMs, at), at + r.latenciesMs.length), 0);
  const [p50, p99, max100] = all.length === 0 ? [null, null, null] : percentiles(all, [50, 99, 100]);
  const shareCpu = cpu0.map((c, i) => cpuPercent(c, cpu1[i]!));
  const sum = (f: (r: ShareReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  const max = (f: (r: ShareReport) => number) => Math.max(0, ...reports.map(f));
  let content: ContentStats | undefined;
  let contentReady: Record<string, number> | undefined;
  for (const r of reports) {
    if (r.content) {
      content ??= { bytesReceived: 0, bytesVerified: 0, objectsVerified: 0, disconnects: 0, resumes: 0, restartsFromZero: 0, corrupt: 0, requests: 0, failures: 0 };
      for (const k of Object.keys(content) as (keyof ContentStats)[]) content[k] += r.content[k];
    }
    if (r.contentReady) {
      contentReady ??= {};
      for (const [v, n] of Object.entries(r.contentReady)) contentReady[v] = (contentReady[v] ?? 0) + n;
    }
  }
  return {
    ...(content ? { content } : {}),
    ...(contentReady ? { contentReady } : {}),
    seats: sum((r) => r.seats),
    withNonce: sum((r) => r.withNonce),
    // Each share's own window length: their windows start a message apart.
    answeredPerSec: sum((r) => (r.elapsedMs > 0 ? (r.ok * 1000) / r.elapsedMs : 0)),
    sent: sum((r) => r.sent),
    ok: sum((r) => r.ok),
    failed: Object.values(errors).reduce((a, b) => a + b, 0),
    errors,
    latencyMs: { count: all.length, p50: p50 ?? null, p99: p99 ?? null, max: max100 ?? null },
    cpuPercent: shareCpu.reduce((a, b) => a + b, 0),
    busiestShareCpuPercent: Math.max(0, ...shareCpu),
    loopLag: { p99Ms: max((r) => r.loopLag.p99Ms), maxMs: max((r) => r.loopLag.maxMs) },
    loopUtilization: max((r) => r.loopUtilization),
  };
}
