// TFTP benchmark: one image to one client over loopback, our server against
// tftpd-hpa (in.tftpd) and atftpd serving the same file to the same client in
// the same run. curl covers blksize alone (lockstep); atftp covers blksize with
// windowsize. Each server is its own process; ours also reports its event-loop
// lag and retransmissions per transfer.
// TFTP_BENCH_MIB (default 64) sizes the image, TFTP_BENCH_RUNS (default 1)
// repeats every case, the servers taking turns (the median is kept, a failed
// run counted as 0). Writes bench/results/tftp.json, except:
// TFTP_BENCH_BUSY_POLL_US sets our server's busy-poll budget (0: off), and
// writes tftp-busy-poll-<us>.json; TFTP_BENCH_MAX_WINDOW_BYTES sets our
// server's maxWindowBytes (default: the server's own, 64 KiB), to see what
// the cap costs, and writes tftp-window-<bytes>.json.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './lib/percentile.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { writeResults } from './lib/results.js';
import { spawnReady } from './lib/spawn-ready.js';
import { formatTable } from './lib/table.js';

const MIB = Number(process.env.TFTP_BENCH_MIB ?? 64);
const RUNS = Number(process.env.TFTP_BENCH_RUNS ?? 1);
const MAX_WINDOW_BYTES = process.env.TFTP_BENCH_MAX_WINDOW_BYTES ? Number(process.env.TFTP_BENCH_MAX_WINDOW_BYTES) : undefined;
const BUSY_POLL_US = process.env.TFTP_BENCH_BUSY_POLL_US ? Number(process.env.TFTP_BENCH_BUSY_POLL_US) : undefined;
const CLIENT_TIMEOUT_MS = 180_000;
const FILE = 'image.img';
const ROOT = new URL('../', import.meta.url).pathname;
const GOALS = { vsBestPeer: 1, windowsize16VsLockstep: 3 };

type ServerName = 'purser' | 'in.tftpd' | 'atftpd';
interface Case {
  client: 'curl' | 'atftp';
  blksize: number;
  windowsize: number;
}
interface Measure {
  server: ServerName;
  mibps: number | null;
  seconds: number | null;
  /** Ours only: the window granted (see maxWindowBytes), CPU of the server process during the transfer (% of one core), loop lag, retransmissions. */
  windowsize?: number;
  cpuPercent?: number;
  lagP99Ms?: number;
  retransmits?: number;
  probes?: number;
  /** Ours only: share of the transfer our server spent polling for ACKs instead of sleeping (docs/tftp.md), %. */
  busyPollPercent?: number;
  error?: string;
  /** Over a row's runs: how many were made, how many failed (a client error or timeout). */
  attempts?: number;
  failures?: number;
  /**
   * The median over all runs with a failed one counted as 0 MiB/s: what a
   * client can count on. The ratio to the best peer is taken on this, so a
   * server that completes one run in three is not credited with that run.
   */
  deliveredMibps?: number;
}

const CASES: Case[] = [
  ...[512, 1428, 8192].map((blksize) => ({ client: 'curl' as const, blksize, windowsize: 1 })),
  ...[512, 1428, 8192].flatMap((blksize) => [1, 8, 16, 64].map((windowsize) => ({ client: 'atftp' as const, blksize, windowsize }))),
];

/** Our server as a child: prints its port, then one JSON line per finished transfer with its loop lag. */
const CHILD = `
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TftpServer } from '${ROOT}protocols/tftp/server.ts';
const maxWindowBytes = process.env.BENCH_MAX_WINDOW_BYTES ? Number(process.env.BENCH_MAX_WINDOW_BYTES) : undefined;
const busyPollUs = process.env.BENCH_BUSY_POLL_US ? Number(process.env.BENCH_BUSY_POLL_US) : undefined;
const server = new TftpServer({ root: process.env.BENCH_ROOT, host: '127.0.0.1', port: Number(process.env.BENCH_PORT), maxWindowBytes, busyPollUs });
const lag = monitorEventLoopDelay({ resolution: 10 });
let polled = 0;
server.events$.subscribe((e) => {
  if (e.type === 'started') { lag.reset(); lag.enable(); polled = server.stats().busyPollMs; }
  if (e.type === 'completed' || e.type === 'failed') {
    lag.disable();
    const busyPollMs = server.stats().busyPollMs - polled;
    console.log(JSON.stringify({ type: e.type, windowsize: e.windowsize, retransmits: e.retransmits, probes: e.probes, busyPollMs, durationMs: e.durationMs, lagP99Ms: Math.max(0, lag.percentile(99) / 1e6 - 10) }));
  }
});
const { port } = await server.start();
console.log('listening on ' + port);
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** What our server says about a finished transfer. */
interface Report {
  windowsize: number;
  retransmits: number;
  probes: number;
  busyPollMs: number;
  durationMs: number;
  lagP99Ms: number;
}

interface Server {
  name: ServerName;
  port: number;
  pid: number;
  stop(): Promise<unknown>;
  /** Ours only: the next transfer report. */
  nextReport?: () => Promise<Report | undefined>;
}

/** Resolves once something on `port` answers a TFTP request (with an ERROR for a missing file). */
async function tftpReady(port: number): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const rrq = Buffer.from('\0\x01no-such-file\0octet\0', 'latin1');
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`nothing answers TFTP on port ${port}`)), 10_000);
      const poke = setInterval(() => s.send(rrq, port, '127.0.0.1'), 100);
      s.send(rrq, port, '127.0.0.1');
      s.once('message', () => {
        clearTimeout(deadline);
        clearInterval(poke);
        resolve();
      });
    });
  } finally {
    s.close();
  }
}

/** A peer server in the foreground; stop() is SIGTERM, then SIGKILL. */
async function startPeer(name: ServerName, cmd: string, args: (port: number) => string[]): Promise<Server> {
  const port = await freePort();
  const child = spawn(cmd, args(port), { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = () => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.kill('SIGTERM');
    return exited.finally(() => clearTimeout(kill));
  };
  try {
    await tftpReady(port);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, port, pid: child.pid!, stop };
}

async function startOurs(dir: string): Promise<Server> {
  const port = await freePort();
  const ready = await spawnReady(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    ready: /listening on (\d+)/,
    cwd: ROOT,
    env: { ...process.env, BENCH_ROOT: dir, BENCH_PORT: String(port), BENCH_MAX_WINDOW_BYTES: MAX_WINDOW_BYTES ? String(MAX_WINDOW_BYTES) : '', BENCH_BUSY_POLL_US: BUSY_POLL_US === undefined ? '' : String(BUSY_POLL_US) },
  });
  const reports: string[] = [];
  let waiting: (() => void) | undefined;
  ready.child.stdout!.on('data', (d: Buffer) => {
    reports.push(...d.toString().split('\n').filter((l) => l.startsWith('{')));
    waiting?.();
  });
  // A failed client may leave no report, or a late one: give up after a while, drop leftovers.
  const nextReport = async () => {
    const deadline = performance.now() + 10_000;
    while (reports.length === 0 && performance.now() < deadline) await new Promise<void>((r) => ((waiting = r), setTimeout(r, 1000)));
    const line = reports.shift();
    reports.length = 0;
    return line === undefined ? undefined : (JSON.parse(line) as Report);
  };
  return { name: 'purser', port, pid: ready.pid, stop: () => ready.stop(), nextReport };
}

async function startServers(dir: string): Promise<Server[]> {
  return [
    await startOurs(dir),
    await startPeer('in.tftpd', '/usr/sbin/in.tftpd', (port) => ['-L', '-a', `127.0.0.1:${port}`, '-s', dir]),
    await startPeer('atftpd', '/opt/atftpd/usr/sbin/atftpd', (port) => [
      '--daemon', '--no-fork', '--no-multicast', '--logfile', '/dev/null',
      '--port', String(port), '--bind-address', '127.0.0.1', '--user', 'nobody.nogroup', dir,
    ]),
  ];
}

function clientArgs(c: Case, port: number): [string, string[]] {
  if (c.client === 'curl') {
    return ['curl', ['-s', '-S', '-w', '%{size_download}', '--tftp-blksize', String(c.blksize), `tftp://127.0.0.1:${port}/${FILE}`, '-o', '/dev/null']];
  }
  return ['atftp', ['--get', '-r', FILE, '-l', '/dev/null', '--option', `blksize ${c.blksize}`, '--option', `windowsize ${c.windowsize}`, '127.0.0.1', String(port)]];
}

function runClient(cmd: string, args: string[]): Promise<{ ok: boolean; out: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, out, ms: performance.now() - t0 });
    });
  });
}

async function measure(c: Case, server: Server, bytes: number): Promise<Measure> {
  const [cmd, args] = clientArgs(c, server.port);
  const before = server.name === 'purser' ? sampleProc(server.pid) : undefined;
  const r = await runClient(cmd, args);
  const after = before && sampleProc(server.pid);
  const report = r.ok && server.nextReport ? await server.nextReport() : undefined;
  // curl prints the byte count; atftp prints errors and exits non-zero.
  const complete = r.ok && (c.client !== 'curl' || Number(r.out.trim()) === bytes);
  if (!complete) return { server: server.name, mibps: null, seconds: null, error: r.out.trim().slice(0, 200) || 'failed' };
  const seconds = r.ms / 1000;
  const m: Measure = { server: server.name, mibps: round(MIB / seconds), seconds: round(seconds, 3) };
  if (before && after && report) {
    Object.assign(m, { windowsize: report.windowsize, cpuPercent: round(cpuPercent(before, after)), lagP99Ms: round(report.lagP99Ms), retransmits: report.retransmits, probes: report.probes, busyPollPercent: round((100 * report.busyPollMs) / report.durationMs) });
  }
  return m;
}

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));

/** A server's row: its median successful run, with the count of failed runs and the delivered median. */
function summarise(ms: Measure[]): Measure {
  const middle = <T>(xs: T[]): T => xs[Math.floor((xs.length - 1) / 2)]!;
  const ok = ms.filter((m) => m.mibps !== null).sort((a, b) => a.mibps! - b.mibps!);
  const delivered = middle(ms.map((m) => m.mibps ?? 0).sort((a, b) => a - b));
  return { ...(ok.length ? middle(ok) : ms[0]!), attempts: ms.length, failures: ms.length - ok.length, deliveredMibps: delivered };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'purser-tftp-bench-'));
  // The peers drop to nobody: the image must be world-readable.
  await chmod(dir, 0o755);
  const bytes = MIB * 1024 * 1024;
  await writeFile(join(dir, FILE), randomBytes(bytes));
  await chmod(join(dir, FILE), 0o644);
  const servers = await startServers(dir);
  const rows: Array<Case & { results: Measure[] }> = [];
  try {
    for (const c of CASES) {
      // Servers take turns run by run: this VM's speed drifts over minutes, and
      // back-to-back runs of one server would turn that drift into the ratio.
      const runs = servers.map((): Measure[] => []);
      for (let i = 0; i < RUNS; i++) {
        for (const [k, server] of servers.entries()) runs[k]!.push(await measure(c, server, bytes));
      }
      const results = runs.map(summarise);
      rows.push({ ...c, results });
      process.stderr.write(`${c.client} blksize ${c.blksize} windowsize ${c.windowsize}: ${results.map((r) => `${r.server} ${r.deliveredMibps}${r.failures ? ` (${r.failures} failed: ${r.error ?? ''})` : ''}`).join(', ')}\n`);
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  }
  report(rows);
}

function report(rows: Array<Case & { results: Measure[] }>): void {
  const get = (r: { results: Measure[] }, s: ServerName) => r.results.find((m) => m.server === s)!;
  const table = rows.map((r) => {
    const ours = get(r, 'purser');
    const peers = r.results.filter((m) => m.server !== 'purser' && m.deliveredMibps).map((m) => m.deliveredMibps!);
    const best = peers.length ? Math.max(...peers) : null;
    const ratio = best ? round((ours.deliveredMibps ?? 0) / best, 2) : null;
    return { ...r, bestPeer: best, vsBestPeer: ratio };
  });
  const lockstep = (blksize: number) => table.find((r) => r.client === 'atftp' && r.blksize === blksize && r.windowsize === 1);
  const windowGain = [512, 1428, 8192].map((blksize) => {
    const w1 = get(lockstep(blksize)!, 'purser').deliveredMibps;
    const w16 = get(table.find((r) => r.client === 'atftp' && r.blksize === blksize && r.windowsize === 16)!, 'purser').deliveredMibps;
    return { blksize, windowsize16VsLockstep: w1 && w16 ? round(w16 / w1, 2) : null };
  });
  const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '-' : n);
  // A server's figure: its delivered median, and how many runs failed if any did.
  const cell = (m: Measure) => `${fmt(m.deliveredMibps)}${m.failures ? ` (${m.failures}/${m.attempts} failed)` : ''}`;
  console.log(`\nTFTP: ${MIB} MiB image over loopback, MiB/s: median of ${RUNS} run(s), a failed run counted as 0; CPU and lag are our server's\n`);
  console.log(
    formatTable(
      ['client', 'blksize', 'window', 'purser', 'in.tftpd', 'atftpd', 'vs best peer', 'our window', 'purser CPU %', 'polled %', 'lag p99 ms', 'resent / probes'],
      table.map((r) => {
        const ours = get(r, 'purser');
        return [r.client, r.blksize, r.windowsize, cell(ours), cell(get(r, 'in.tftpd')), cell(get(r, 'atftpd')), fmt(r.vsBestPeer), fmt(ours.windowsize), fmt(ours.cpuPercent), fmt(ours.busyPollPercent), fmt(ours.lagP99Ms), ours.retransmits === undefined ? '-' : `${ours.retransmits} / ${ours.probes ?? 0}`];
      }),
    ),
  );
  console.log(`\nwindowsize 16 vs lockstep (ours, atftp): ${windowGain.map((g) => `blksize ${g.blksize}: ${fmt(g.windowsize16VsLockstep)}x`).join(', ')}`);
  const ratios = table.map((r) => r.vsBestPeer).filter((x): x is number => x !== null);
  const pass = {
    vsBestPeer: ratios.length === table.length && ratios.every((x) => x >= GOALS.vsBestPeer),
    windowsize16VsLockstep: windowGain.every((g) => (g.windowsize16VsLockstep ?? 0) >= GOALS.windowsize16VsLockstep),
  };
  console.log(`goals: ours >= best peer in every row: ${pass.vsBestPeer} (median ratio ${fmt(ratios.length ? percentile(ratios, 50) : null)}); windowsize 16 >= 3x lockstep: ${pass.windowsize16VsLockstep}`);
  const name = MAX_WINDOW_BYTES ? `tftp-window-${MAX_WINDOW_BYTES}` : BUSY_POLL_US !== undefined ? `tftp-busy-poll-${BUSY_POLL_US}` : 'tftp';
  void writeResults(name, { mib: MIB, runs: RUNS, maxWindowBytes: MAX_WINDOW_BYTES ?? null, busyPollUs: BUSY_POLL_US ?? null, goals: GOALS, pass, windowGain, rows: table }).then((path) => console.log(`wrote ${path}`));
}

await main();
