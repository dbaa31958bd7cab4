// The PA benchmark's gateway: a quiet process of its own that plays each PA
// into the cabin group as real RTP (as the aircraft's PA gateway would) and
// listens on the seats' command group as one more seat would, verifying every
// datagram. It reports when each pa.begin / pa.end was first heard, so the
// controller's latency is known apart from the delays of the process that
// simulates the 300 seats. The commands bench runs it as that quiet seat, and
// as the crew's client that issues the commands (no PA, every command
// reported), so that a command's path is timed from a process that is not
// busy being the cabin. Run by startPaGateway(); times are monoMs().
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { commandKeyFromBase64 } from '../../protocols/seat-command/keys.js';
import { MulticastCommandReceiver } from '../../protocols/seat-command/multicast-receiver.js';
import { IDENTITY_PATH } from '../../protocols/seat-poll/types.js';
import { playPa } from '../../src/sim/pa-player.js';
import { measureLoopLag, type LoopLag } from './loop-lag.js';

const CHILD_FLAG = '--pa-gateway-child';
/** Every socket stays on loopback: multicast leaves by 127.0.0.1 and is joined there. */
const LOOPBACK = '127.0.0.1';

/**
 * CLOCK_MONOTONIC in ms. Unlike performance.now(), whose origin is each
 * process's start, it is the same clock in every process of the machine, so
 * the gateway's times and the bench's can be subtracted.
 */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface GatewayOptions {
  controller: string;
  commands: { group: string; port: number };
  /** Where play() sends the PA; without it the gateway only listens. */
  pa?: { group: string; port: number };
  /** Which commands to report: pa.begin and pa.end (the default), or all. */
  hear?: 'pa' | 'all';
}

/** A command as the gateway first heard it (the later copies of a datagram are not reported). */
export interface Heard {
  cmd: string;
  seq: number;
  at: number;
}

export interface Played {
  /** When the first audible packet was sent (monoMs), null if none was. */
  firstAudibleAt: number | null;
  packets: number;
}

/** A command POSTed by the gateway, as a crew client on a box of its own would. */
export interface Issued {
  seq: number;
  /** monoMs() just before the request was made. */
  sentAt: number;
  /** The POST's round trip, ms. */
  postMs: number;
  /** A GET of /api/v1/layout right after it (HTTP on loopback, nothing else), ms. */
  getMs: number;
}

type ToChild =
  | { type: 'play'; id: number; durationMs: number; seed: number }
  | { type: 'lag' }
  | { type: 'issue'; id: number; token: string; command: unknown };
type FromChild =
  | { type: 'ready' }
  | ({ type: 'heard' } & Heard)
  | ({ type: 'played'; id: number } & Played)
  | ({ type: 'issued'; id: number } & Issued)
  | { type: 'lag'; lag: LoopLag }
  | { type: 'failed'; message: string };

export interface PaGateway {
  readonly pid: number;
  /** Plays a voice for `durationMs`; resolves once its last packet is sent. */
  play(durationMs: number, seed: number): Promise<Played>;
  /** The first pa.begin / pa.end heard with a seq above `after` that `match` accepts, waiting up to `timeoutMs`; null on timeout. */
  next(match: (h: Heard) => boolean, after: number, timeoutMs: number): Promise<Heard | null>;
  /** The highest seq heard so far (0 before any). */
  maxSeq(): number;
  /** Every pa.begin / pa.end heard with a seq above `after`, in seq order. */
  heardAfter(after: number): Heard[];
  /** POSTs `command` to /api/v1/commands with the bearer `token`, then GETs the layout; rejects on an error answer. */
  issue(token: string, command: unknown): Promise<Issued>;
  /** The gateway's own event-loop lag since the previous call (or its start). */
  loopLag(): Promise<LoopLag>;
  stop(): Promise<void>;
}

if (process.argv[2] === CHILD_FLAG) await gatewayChild(JSON.parse(process.argv[3]!) as GatewayOptions);

/** Starts the gateway as its own process (node + tsx, as the controller runs) and waits until it listens. */
export async function startPaGateway(opts: GatewayOptions): Promise<PaGateway> {
  const child = fork(new URL(import.meta.url).pathname, [CHILD_FLAG, JSON.stringify(opts)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const heard = new Map<number, Heard>();
  const waiters = new Set<() => void>();
  /** Requests to the child (play, issue) awaiting its answer, by id. */
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  let lagWaiter: { resolve: (l: LoopLag) => void; reject: (e: Error) => void } | undefined;
  let nextId = 0;
  const settle = (id: number, value: unknown) => {
    pending.get(id)?.resolve(value);
    pending.delete(id);
  };

  const fail = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
    lagWaiter?.reject(failure);
    lagWaiter = undefined;
  };
  child.once('exit', (code) => fail(new Error(`PA gateway exited (${code})`)));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`PA gateway exited (${code}) before it was ready`)));
    child.on('message', (m: FromChild) => {
      if (m.type === 'ready') {
        resolve();
      } else if (m.type === 'failed') {
        fail(new Error(`PA gateway: ${m.message}`));
        reject(failure);
      } else if (m.type === 'heard') {
        heard.set(m.seq, { cmd: m.cmd, seq: m.seq, at: m.at });
        for (const w of [...waiters]) w();
      } else if (m.type === 'played') {
        settle(m.id, { firstAudibleAt: m.firstAudibleAt, packets: m.packets } satisfies Played);
      } else if (m.type === 'issued') {
        settle(m.id, { seq: m.seq, sentAt: m.sentAt, postMs: m.postMs, getMs: m.getMs } satisfies Issued);
      } else if (m.type === 'lag') {
        lagWaiter?.resolve(m.lag);
        lagWaiter = undefined;
      }
    });
  });
  const send = (m: ToChild) => child.send(m);
  /** Sends the request `make` builds with a fresh id; resolves with the child's answer to that id. */
  const ask = <T>(make: (id: number) => ToChild): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      send(make(id));
    });
  };

  return {
    pid: child.pid!,
    play: (durationMs, seed) => ask<Played>((id) => ({ type: 'play', id, durationMs, seed })),
    issue: (token, command) => ask<Issued>((id) => ({ type: 'issue', id, token, command })),
    next(match, after, timeoutMs) {
      const find = () => [...heard.values()].find((h) => h.seq > after && match(h)) ?? null;
      return new Promise((resolve) => {
        const found = find();
        if (found) return resolve(found);
        const check = () => {
          const h = find();
          if (!h) return;
          done(h);
        };
        const timer = setTimeout(() => done(null), timeoutMs);
        const done = (h: Heard | null) => {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(h);
        };
        waiters.add(check);
      });
    },
    maxSeq: () => Math.max(0, ...heard.keys()),
    heardAfter: (after) => [...heard.values()].filter((h) => h.seq > after).sort((a, b) => a.seq - b.seq),
    loopLag() {
      return new Promise((resolve, reject) => {
        if (failure) return reject(failure);
        lagWaiter = { resolve, reject };
        send({ type: 'lag' });
      });
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function gatewayChild(opts: GatewayOptions): Promise<void> {
  const send = (m: FromChild) => process.send!(m);
  try {
    const res = await fetch(new URL(IDENTITY_PATH, opts.controller));
    const { commandKey } = (await res.json()) as { commandKey: string };
    const quiet = { info: () => undefined, warn: () => undefined };
    const rx = new MulticastCommandReceiver({ ...opts.commands, interface: LOOPBACK, publicKey: commandKeyFromBase64(commandKey), log: quiet });
    const reported = new Set<number>();
    const wanted = opts.hear === 'all' ? () => true : (cmd: string) => cmd === 'pa.begin' || cmd === 'pa.end';
    rx.commands$.subscribe((c) => {
      const at = monoMs();
      if (!wanted(c.cmd) || reported.has(c.seq)) return;
      reported.add(c.seq);
      send({ type: 'heard', cmd: c.cmd, seq: c.seq, at });
    });
    await rx.start();
    let lag = measureLoopLag();
    const crew = crewClient(opts.controller);
    process.on('message', (m: ToChild) => {
      if (m.type === 'lag') {
        send({ type: 'lag', lag: lag.stop() });
        lag = measureLoopLag();
        return;
      }
      if (m.type === 'issue') {
        crew.issue(m.token, m.command).then(
          (i) => send({ type: 'issued', id: m.id, ...i }),
          (err: Error) => send({ type: 'failed', message: err.message }),
        );
        return;
      }
      if (!opts.pa) return send({ type: 'failed', message: 'play asked of a gateway without a PA group' });
      const playback = playPa({ ...opts.pa, durationMs: m.durationMs, seed: m.seed, codec: 'L16', interfaceAddress: LOOPBACK, now: monoMs });
      playback.done.then(
        (r) => send({ type: 'played', id: m.id, firstAudibleAt: r.firstAudibleAt, packets: r.packets }),
        (err: Error) => send({ type: 'failed', message: err.message }),
      );
    });
    process.on('SIGTERM', () => void rx.stop().then(() => process.exit(0)));
    process.on('disconnect', () => void rx.stop().then(() => process.exit(0)));
    send({ type: 'ready' });
  } catch (err) {
    send({ type: 'failed', message: (err as Error).message });
    process.exit(1);
  }
}

/** The crew's side: commands POSTed over one keep-alive connection, as the panel's browser would. */
function crewClient(controller: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const call = (method: string, path: string, token: string, body?: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const req = request(new URL(path, controller), { method, agent, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  return {
    async issue(token: string, command: unknown): Promise<Issued> {
      const body = JSON.stringify(command);
      const sentAt = monoMs();
      const post = await call('POST', '/api/v1/commands', token, body);
      const postMs = monoMs() - sentAt;
      if (post.status !== 201) throw new Error(`POST /api/v1/commands: ${post.status} ${post.text}`);
      const g = monoMs();
      const get = await call('GET', '/api/v1/layout', token);
      const getMs = monoMs() - g;
      if (get.status !== 200) throw new Error(`GET /api/v1/layout: ${get.status}`);
      const { command: status } = JSON.parse(post.text) as { command: { seq: number } };
      return { seq: status.seq, sentAt, postMs, getMs };
    },
  };
}
