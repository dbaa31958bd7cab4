// Crew panel benchmark: 300 seats polling at 1 Hz into a controller run as its
// own process. (a) no panels; (b) five live SSE clients plus one real page in
// Chromium. Six probe seats flip their media state on every poll; the page
// records when each seat's cell changes, giving poll-to-screen latency.
// Reports latency p50/p99 and the controller's CPU with and without panels;
// then (c) a burst: cabin PA on, until the page shows every seat on PA.
// PANEL_BENCH_QUICK=1 shortens the windows. Writes bench/results/panel.json.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Page } from 'playwright-core';
import { deriveLruKey, signBody } from '../protocols/seat-poll/hmac.js';
import { POLL_PATH, SIGNATURE_HEADER, type PollRequest } from '../protocols/seat-poll/types.js';
import { buildPanel } from '../src/panel/build.js';
import { defaultWebRoot } from '../src/panel/paths.js';
import { Simulator } from '../src/sim/simulator.js';
import { percentile } from './lib/percentile.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { controllerLoopLagMs, scrapeMetrics } from './lib/prometheus.js';
import { writeResults } from './lib/results.js';
import { spawnReady } from './lib/spawn-ready.js';
import { formatTable } from './lib/table.js';

const QUICK = process.env.PANEL_BENCH_QUICK === '1';
const PLAN = QUICK ? { warmupMs: 3_000, windowMs: 8_000 } : { warmupMs: 5_000, windowMs: 30_000 };
const SSE_CLIENTS = 5;
const PROBES = ['50A', '50B', '50C', '50D', '50E', '50F'];
const SIMULATED = 294; // rows 1-49; the probes are row 50
const GOALS = { p99Ms: 1000, cpuIncreasePoints: 5 };
const ROOT = new URL('../', import.meta.url).pathname;
const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const secret = randomBytes(32);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** The controller as it ships (default features), with the panel added if the build does not have it yet. */
const CHILD = `
import { Controller } from '${ROOT}src/app/controller.ts';
import { defaultFeatures } from '${ROOT}src/app/features.ts';
import { validateConfig } from '${ROOT}src/app/config.ts';
import { createLogger } from '${ROOT}src/core/log.ts';
import { panelFeature } from '${ROOT}src/panel/feature.ts';
const { config, layout } = validateConfig(JSON.parse(process.env.BENCH_CONFIG));
const features = defaultFeatures();
if (!features.some((f) => f.name === 'panel')) features.push(panelFeature());
const c = new Controller(config, layout, createLogger('warn'), features);
await c.start();
await c.whenStarted();
console.log('listening on ' + c.url);
process.once('SIGTERM', () => void c.stop().then(() => process.exit(0)));
`;

async function startController(stateDir: string) {
  const config = {
    stateDir,
    http: { host: '127.0.0.1', port: 0 },
    cabin: { secret: secret.toString('hex') },
    commands: { port: 20000 + Math.floor(Math.random() * 20000) },
    pa: { enabled: false },
    tftp: { enabled: false },
  };
  return spawnReady(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    ready: /listening on (http:\/\/\S+)/,
    cwd: ROOT,
    env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
  });
}

interface Sent {
  seat: string;
  tone: 'playing' | 'paused';
  at: number;
}

/** Six seats polling at 1 Hz like the others, but flipping playing/paused each time: every poll is a visible change. */
function startProbes(url: string, sent: Sent[]): () => void {
  const agent = new Agent({ keepAlive: true });
  const timers = PROBES.map((seat, i) => {
    const serial = `PROBE-${seat}`;
    const key = deriveLruKey(secret, serial);
    let seq = 0;
    const poll = () => {
      seq++;
      const state = seq % 2 ? 'playing' : 'paused';
      const body: PollRequest = {
        seat,
        lru: { serial, model: 'gp3', firmware: '2.4.1', mac: `02:00:00:00:50:0${i}` },
        bootId: 'probe-boot',
        seq,
        ackCmd: 0,
        uptimeMs: seq * 1000,
        clockAt: Date.now(),
        media: { state, item: 'movie-1', positionMs: 0, volume: 5 },
        inputs: { call: { on: false, sinceMs: 60_000 } },
        faults: [],
        update: { state: 'idle' },
      };
      const raw = JSON.stringify(body);
      sent.push({ seat, tone: state, at: Date.now() });
      const req = request(new URL(POLL_PATH, url), { method: 'POST', agent, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(key, raw) } }, (res) => res.resume());
      req.on('error', () => undefined);
      req.end(raw);
    };
    return setTimeout(() => (poll(), timers.push(setInterval(poll, 1000))), (i * 1000) / PROBES.length);
  });
  return () => {
    for (const t of timers) clearTimeout(t);
    agent.destroy();
  };
}

/** A panel without a screen: holds the live stream open and reads every frame. */
function sseClient(url: string): { frames: () => number; close(): void } {
  let frames = 0;
  const req = request(new URL('/api/v1/events', url), (res) => res.on('data', (d: Buffer) => (frames += d.toString().split('\n\n').length - 1)));
  req.on('error', () => undefined);
  req.end();
  return { frames: () => frames, close: () => req.destroy() };
}

/** (c) Every seat changes at once: from the PA command to all 300 cells showing PA. Null without the commands feature. */
async function paBurst(url: string, page: Page): Promise<{ allOnScreenMs: number; cpuPercent: number } | null> {
  const token = (await readFile(join(stateDir, 'api.token'), 'utf8')).trim();
  const issue = (cmd: string, args: object) =>
    fetch(new URL('/api/v1/commands', url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ target: { all: true }, cmd, args }) });
  const all = () => page.waitForFunction(() => document.querySelectorAll('[data-tone="pa"]').length === 300 - 6, undefined, { timeout: 30_000 });
  const p0 = sampleProc(controller.pid);
  const t0 = Date.now();
  const res = await issue('pa.begin', { source: 'cabin', group: '239.255.20.1:5004' });
  if (res.status === 404) return null;
  await all(); // the six probes report their own media state, so 294 simulated seats
  const allOnScreenMs = Date.now() - t0;
  const cpu = cpuPercent(p0, sampleProc(controller.pid));
  await issue('pa.end', { source: 'cabin' });
  return { allOnScreenMs, cpuPercent: round(cpu) };
}

async function window(pid: number, url: string, ms: number) {
  await scrapeMetrics(url); // restarts the controller's loop-lag histogram
  const p0 = sampleProc(pid);
  await sleep(ms);
  const p1 = sampleProc(pid);
  const lag = controllerLoopLagMs(await scrapeMetrics(url), 'p99');
  return { cpuPercent: round(cpuPercent(p0, p1)), rssMiB: round(p1.rssBytes / 2 ** 20), loopLagP99Ms: lag === null ? null : round(lag, 2) };
}

const stateDir = await mkdtemp(join(tmpdir(), 'purser-bench-panel-'));
const built = await buildPanel(defaultWebRoot());
console.log(`panel built in ${built.ms} ms`);
const controller = await startController(stateDir);
const url = controller.match[1]!;
const sim = new Simulator({ controller: url, secret, seats: SIMULATED });
const sent: Sent[] = [];
sim.start();
const stopProbes = startProbes(url, sent);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
try {
  await sleep(PLAN.warmupMs);
  console.log(`(a) 300 seats, no panels, ${PLAN.windowMs / 1000} s`);
  const bare = await window(controller.pid, url, PLAN.windowMs);

  const clients = Array.from({ length: SSE_CLIENTS }, () => sseClient(url));
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.addInitScript(() => {
    const log: { seat: string; tone: string; at: number }[] = [];
    (window as unknown as { toneLog: typeof log }).toneLog = log;
    new MutationObserver((muts) => {
      const at = performance.timeOrigin + performance.now();
      for (const m of muts) {
        const el = m.target as Element;
        const seat = el.getAttribute('data-seat');
        if (seat) log.push({ seat, tone: el.getAttribute('data-tone') ?? '', at });
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-tone'] });
  });
  await page.goto(url);
  await page.locator('[data-conn="live"]').waitFor({ timeout: 30_000 });
  await sleep(PLAN.warmupMs);
  console.log(`(b) 300 seats, ${SSE_CLIENTS} SSE panels + 1 page in Chromium, ${PLAN.windowMs / 1000} s`);
  const from = Date.now();
  const withPanels = await window(controller.pid, url, PLAN.windowMs);
  const to = Date.now();
  await sleep(1500); // the last polls' changes reach the page
  const log = await page.evaluate(() => (window as unknown as { toneLog: { seat: string; tone: string; at: number }[] }).toneLog);
  const framesPerClient = round(clients.reduce((n, c) => n + c.frames(), 0) / SSE_CLIENTS, 0);
  console.log('(c) cabin PA on with the panels connected: until every seat shows PA');
  const burst = await paBurst(url, page);
  for (const c of clients) c.close();

  const latencies: number[] = [];
  let missed = 0;
  for (const s of sent.filter((x) => x.at >= from && x.at < to)) {
    const seen = log.find((l) => l.seat === s.seat && l.tone === s.tone && l.at >= s.at);
    if (seen) latencies.push(seen.at - s.at);
    else missed++;
  }
  const latency = { samples: latencies.length, missed, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), maxMs: round(Math.max(...latencies)) };
  const figures = {
    seats: SIMULATED + PROBES.length,
    panels: { sseClients: SSE_CLIENTS, pages: 1, framesPerClient },
    noPanels: bare,
    withPanels: { ...withPanels, pollToScreen: latency },
    paBurst: burst,
    cpuIncreasePoints: round(withPanels.cpuPercent - bare.cpuPercent),
    goals: GOALS,
    met: { p99: latency.p99Ms <= GOALS.p99Ms, cpu: withPanels.cpuPercent - bare.cpuPercent <= GOALS.cpuIncreasePoints },
  };
  console.log(
    formatTable(
      ['window', 'controller CPU %', 'RSS MiB', 'loop lag p99 ms', 'poll→screen p50 ms', 'p99 ms', 'samples'],
      [
        ['no panels', bare.cpuPercent, bare.rssMiB, bare.loopLagP99Ms ?? '-', '-', '-', '-'],
        [`${SSE_CLIENTS} SSE + 1 page`, withPanels.cpuPercent, withPanels.rssMiB, withPanels.loopLagP99Ms ?? '-', latency.p50Ms, latency.p99Ms, `${latency.samples} (${missed} missed)`],
      ],
    ),
  );
  if (burst) console.log(`PA on 294 simulated seats: all on screen ${burst.allOnScreenMs} ms after the command (controller CPU ${burst.cpuPercent} % meanwhile)`);
  console.log(`wrote ${await writeResults('panel', figures)}`);
} finally {
  await browser.close();
  stopProbes();
  await sim.stop();
  await controller.stop();
  await rm(stateDir, { recursive: true, force: true });
}
