// Seat-poll benchmark: the controller, run as its own process, under simulated
// seats polling at 1 Hz, next to a bare fastify server and a bare node:http
// server (the floors under it) under the same load.
//   (a) 300 seats, in rounds that take the servers in turn (the host's speed
//       drifts over minutes; the median round counts): latency, CPU, RSS;
//       and each server's CPU idle;
//   (b) seats ramped up until p99 passes 20 ms or polls fail (twice running): the most sustained.
// POLL_BENCH_QUICK=1 shortens every phase. Writes bench/results/poll.json.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_SEATS } from '../src/sim/layout.js';
import { Simulator } from '../src/sim/simulator.js';
import { startController } from './lib/controller.js';
import { startFastifyHello, startNodeHello } from './lib/peer-servers.js';
import { measureLoopLag } from './lib/loop-lag.js';
import { controllerLoopLagMs, scrapeMetrics } from './lib/prometheus.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { writeResults } from './lib/results.js';
import { formatTable } from './lib/table.js';

const QUICK = process.env.POLL_BENCH_QUICK === '1';
const PLAN = QUICK
  ? { steadySeats: 300, rounds: 1, idleMs: 5_000, warmupMs: 3_000, steadyMs: 8_000, rampFrom: 500, rampStep: 1_000, settleMs: 1_500, stepMs: 3_000 }
  : { steadySeats: 300, rounds: 3, idleMs: 10_000, warmupMs: 4_000, steadyMs: 10_000, rampFrom: 500, rampStep: 500, settleMs: 1_500, stepMs: 5_000 };
const RAMP_P99_LIMIT_MS = 20;
const GOALS = { steadyCpuPercent: 5, steadyP99Ms: 5, rampSeats: 5_000 };

const secret = randomBytes(32);
/** The bench is about the poll path: PA listeners and TFTP stay off (and off other tests' ports). */
const controllerConfig = (rows?: number) => ({
  cabin: { secret: secret.toString('hex'), ...(rows ? { layout: { rows, letters: 'ABC DEF', zones: { J: '1-5', Y: `6-${rows}` } } } : {}) },
  pa: { enabled: false },
  tftp: { enabled: false },
});

interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

interface Window {
  seats: number;
  answeredPerSec: number;
  failed: number;
  errors: Record<string, number>;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  serverCpuPercent: number;
  serverRssMiB: number;
  /** The controller's own event-loop lag (from its /metrics); null for the peer. */
  serverLoopLag: { p99Ms: number | null; maxMs: number | null };
  /** The controller's write-behind transactions, which run on its event loop, and the seat and event rows they wrote; null for the peer. */
  storeFlush: { count: number; meanMs: number | null; over10Ms: number; seatRows: number; eventRows: number } | null;
  /** The load generator (this process): if it runs hot or lags, latencies include its own delays. */
  generatorCpuPercent: number;
  generatorLoopLag: { p99Ms: number | null; maxMs: number | null };
}

const round = (n: number | null, digits = 2) => (n === null ? null : Number(n.toFixed(digits)));

const FLUSH = 'purser_store_flush_seconds';
const ROWS = 'purser_store_rows_written_total';

/** What the controller's /metrics say about a window, from scrapes at its start and end. */
function controllerFigures(from: Map<string, number>, to: Map<string, number>): Pick<Window, 'serverLoopLag' | 'storeFlush'> {
  const delta = (name: string) => (to.get(name) ?? 0) - (from.get(name) ?? 0);
  const count = delta(`${FLUSH}_count`);
  return {
    // A scrape restarts prom-client's lag histogram: `to` covers just this window.
    serverLoopLag: { p99Ms: round(controllerLoopLagMs(to, 'p99')), maxMs: round(controllerLoopLagMs(to, 'max')) },
    storeFlush: {
      count,
      meanMs: count > 0 ? round((delta(`${FLUSH}_sum`) * 1000) / count) : null,
      over10Ms: count - delta(`${FLUSH}_bucket{le="0.01"}`),
      seatRows: delta(`${ROWS}{table="seats"}`),
      eventRows: delta(`${ROWS}{table="events"}`),
    },
  };
}

/** One measurement window over a running simulator. */
async function measure(sim: Simulator, server: Server, hasMetrics: boolean, ms: number): Promise<Window> {
  const scrape = () => (hasMetrics ? scrapeMetrics(server.url) : Promise.resolve(undefined));
  const metrics0 = await scrape();
  sim.resetStats();
  const proc0 = sampleProc(server.pid);
  const gen0 = process.cpuUsage();
  const genLag = measureLoopLag();
  const t0 = performance.now();
  await sleep(ms);
  const proc1 = sampleProc(server.pid);
  const gen = process.cpuUsage(gen0);
  const genMs = performance.now() - t0;
  const lag = genLag.stop();
  const s = sim.stats();
  const metrics1 = await scrape();
  return {
    seats: sim.players.length,
    answeredPerSec: round((s.ok * 1000) / s.elapsedMs, 1)!,
    failed: s.failed,
    errors: s.errors,
    p50Ms: round(s.latencyMs.p50),
    p99Ms: round(s.latencyMs.p99),
    maxMs: round(s.latencyMs.max),
    serverCpuPercent: round(cpuPercent(proc0, proc1))!,
    serverRssMiB: round(proc1.rssBytes / 2 ** 20, 1)!,
    ...(metrics0 && metrics1
      ? controllerFigures(metrics0, metrics1)
      : { serverLoopLag: { p99Ms: null, maxMs: null }, storeFlush: null }),
    generatorCpuPercent: round(((gen.user + gen.system) / 1000 / genMs) * 100, 1)!,
    generatorLoopLag: { p99Ms: round(lag.p99Ms), maxMs: round(lag.maxMs) },
  };
}

async function steady(server: Server, hasMetrics: boolean): Promise<Window> {
  const sim = new Simulator({ controller: server.url, secret, seats: PLAN.steadySeats });
  sim.start();
  try {
    await sleep(PLAN.warmupMs);
    return await measure(sim, server, hasMetrics, PLAN.steadyMs);
  } finally {
    await sim.stop();
  }
}

/** Why a ramp step does not count as sustained, or undefined if it does. */
function shortfall(w: Window): string | undefined {
  if (w.failed > 0) return `polls failed: ${JSON.stringify(w.errors)}`;
  if (w.p99Ms === null || w.p99Ms > RAMP_P99_LIMIT_MS) return `p99 ${w.p99Ms} ms > ${RAMP_P99_LIMIT_MS} ms`;
  if (w.answeredPerSec < 0.95 * w.seats) return `only ${w.answeredPerSec} of ${w.seats} polls/s answered`;
  return undefined;
}

async function step(sim: Simulator, server: Server, hasMetrics: boolean, steps: Window[]): Promise<Window> {
  const w = await measure(sim, server, hasMetrics, PLAN.stepMs);
  steps.push(w);
  console.log(
    `  ${w.seats} seats: ${w.answeredPerSec} polls/s, p99 ${w.p99Ms} ms, server CPU ${w.serverCpuPercent} %, ` +
      `generator CPU ${w.generatorCpuPercent} %, generator lag p99 ${w.generatorLoopLag.p99Ms} ms` +
      (w.storeFlush ? `, server lag max ${w.serverLoopLag.maxMs} ms, store flush mean ${w.storeFlush.meanMs} ms (${w.storeFlush.count}, ${w.storeFlush.seatRows} seat rows)` : ''),
  );
  return w;
}

async function ramp(server: Server, hasMetrics: boolean) {
  const sim = new Simulator({ controller: server.url, secret, seats: PLAN.rampFrom });
  const steps: Window[] = [];
  let sustained = 0;
  let stoppedBy = `the layout's ${MAX_SEATS} seats`;
  sim.start();
  try {
    for (;;) {
      await sleep(PLAN.settleMs); // seats just added make their first polls
      let w = await step(sim, server, hasMetrics, steps);
      // Other work on a shared machine can spoil one window: a step must fall short twice.
      if (shortfall(w)) w = await step(sim, server, hasMetrics, steps);
      const why = shortfall(w);
      if (why) {
        stoppedBy = why;
        break;
      }
      sustained = w.seats;
      if (w.seats >= MAX_SEATS) break;
      sim.addSeats(Math.min(PLAN.rampStep, MAX_SEATS - w.seats));
    }
  } finally {
    await sim.stop();
  }
  const last = steps.at(-1)!;
  const generatorBound = last.generatorCpuPercent > 90 || (last.generatorLoopLag.p99Ms ?? 0) > RAMP_P99_LIMIT_MS;
  return { sustained, stoppedBy, generatorBound, steps };
}

interface Contender {
  name: string;
  start: (rows?: number) => Promise<Server>;
  hasMetrics: boolean;
}

interface SteadyResult {
  /** The round with the median server CPU. */
  steady: Window;
  /** Every round, in order. */
  rounds: Window[];
  /** CPU with no seats at all (timers, samplers), % of a core. */
  idleCpuPercent: number;
}

/** Idle CPU of each server, then (a) in rounds: each round gives every server its window in turn. */
async function steadyRounds(contenders: readonly Contender[]): Promise<SteadyResult[]> {
  const servers: Server[] = [];
  try {
    for (const c of contenders) servers.push(await c.start());
    await sleep(2_000); // past their start-up work
    const idle0 = servers.map((s) => sampleProc(s.pid));
    await sleep(PLAN.idleMs);
    const idle = servers.map((s, i) => round(cpuPercent(idle0[i]!, sampleProc(s.pid)))!);
    const rounds: Window[][] = contenders.map(() => []);
    for (let r = 1; r <= PLAN.rounds; r++) {
      for (const [i, c] of contenders.entries()) {
        const w = await steady(servers[i]!, c.hasMetrics);
        rounds[i]!.push(w);
        console.log(`  round ${r}, ${c.name}: server CPU ${w.serverCpuPercent} %, p50/p99 ${w.p50Ms}/${w.p99Ms} ms, generator CPU ${w.generatorCpuPercent} %`);
      }
    }
    return contenders.map((_, i) => {
      const byCpu = [...rounds[i]!].sort((x, y) => x.serverCpuPercent - y.serverCpuPercent);
      return { steady: byCpu[(byCpu.length - 1) >> 1]!, rounds: rounds[i]!, idleCpuPercent: idle[i]! };
    });
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function rampServer(c: Contender) {
  console.log(`${c.name}: (b) ramp from ${PLAN.rampFrom} seats, +${PLAN.rampStep} every ${(PLAN.settleMs + PLAN.stepMs) / 1000} s`);
  const server = await c.start(Math.ceil(MAX_SEATS / 6));
  return ramp(server, c.hasMetrics).finally(() => server.stop());
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b));

const started = performance.now();
const contenders: Contender[] = [
  { name: 'controller', start: (rows) => startController(controllerConfig(rows)), hasMetrics: true },
  { name: 'fastify hello', start: () => startFastifyHello(), hasMetrics: false },
  { name: 'node:http hello', start: () => startNodeHello(), hasMetrics: false },
];
console.log(`(a) ${PLAN.steadySeats} seats at 1 Hz: ${PLAN.rounds} rounds of ${PLAN.steadyMs / 1000} s a server, the servers in turn`);
const [steadyController, steadyFastify, steadyNode] = await steadyRounds(contenders);
const controller = { ...steadyController!, ramp: await rampServer(contenders[0]!) };
const fastify = { ...steadyFastify!, ramp: await rampServer(contenders[1]!) };
const nodeHello = steadyNode!;

const a = controller.steady;
const f = fastify.steady;
const n = nodeHello.steady;
const ratios = {
  p50: ratio(a.p50Ms, f.p50Ms),
  p99: ratio(a.p99Ms, f.p99Ms),
  serverCpu: ratio(a.serverCpuPercent, f.serverCpuPercent),
  serverCpuVsNodeHttp: ratio(a.serverCpuPercent, n.serverCpuPercent),
  serverRss: ratio(a.serverRssMiB, f.serverRssMiB),
  rampSeats: ratio(controller.ramp.sustained, fastify.ramp.sustained),
};
const pass = {
  steadyCpu: a.serverCpuPercent < GOALS.steadyCpuPercent,
  steadyP99: controller.rounds.every((w) => w.p99Ms !== null && w.p99Ms < GOALS.steadyP99Ms),
  rampSeats: controller.ramp.sustained >= GOALS.rampSeats,
};

const ms = (v: number | null) => (v === null ? '-' : v);
const cpus = (r: SteadyResult) => r.rounds.map((w) => w.serverCpuPercent).join(', ');
console.log(`\n(a) ${PLAN.steadySeats} seats at 1 Hz, the median of ${PLAN.rounds} rounds of ${PLAN.steadyMs / 1000} s${QUICK ? ' (quick)' : ''}`);
console.log(
  formatTable(
    ['', 'controller', 'fastify hello', 'node:http hello', 'controller / fastify'],
    [
      ['polls/s answered', a.answeredPerSec, f.answeredPerSec, n.answeredPerSec, ''],
      ['failed polls', a.failed, f.failed, n.failed, ''],
      ['p50 latency, ms', ms(a.p50Ms), ms(f.p50Ms), ms(n.p50Ms), ms(ratios.p50)],
      ['p99 latency, ms', ms(a.p99Ms), ms(f.p99Ms), ms(n.p99Ms), ms(ratios.p99)],
      ['max latency, ms', ms(a.maxMs), ms(f.maxMs), ms(n.maxMs), ''],
      ['server CPU, % of a core (median)', a.serverCpuPercent, f.serverCpuPercent, n.serverCpuPercent, ms(ratios.serverCpu)],
      ['server CPU, every round', cpus(controller), cpus(fastify), cpus(nodeHello), ''],
      ['server CPU idle, no seats', controller.idleCpuPercent, fastify.idleCpuPercent, nodeHello.idleCpuPercent, ''],
      ['server RSS, MiB', a.serverRssMiB, f.serverRssMiB, n.serverRssMiB, ms(ratios.serverRss)],
      ['server loop lag p99 / max, ms', `${ms(a.serverLoopLag.p99Ms)} / ${ms(a.serverLoopLag.maxMs)}`, '-', '-', ''],
      ['store flushes: mean ms / over 10 ms', a.storeFlush ? `${ms(a.storeFlush.meanMs)} / ${a.storeFlush.over10Ms} of ${a.storeFlush.count}` : '-', '-', '-', ''],
      ['store rows written: seats / events', a.storeFlush ? `${a.storeFlush.seatRows} / ${a.storeFlush.eventRows}` : '-', '-', '-', ''],
      ['generator CPU, %', a.generatorCpuPercent, f.generatorCpuPercent, n.generatorCpuPercent, ''],
      ['generator loop lag p99 / max, ms', `${ms(a.generatorLoopLag.p99Ms)} / ${ms(a.generatorLoopLag.maxMs)}`, `${ms(f.generatorLoopLag.p99Ms)} / ${ms(f.generatorLoopLag.maxMs)}`, `${ms(n.generatorLoopLag.p99Ms)} / ${ms(n.generatorLoopLag.maxMs)}`, ''],
    ],
  ),
);
console.log(`\n(b) ramp at 1 Hz until p99 > ${RAMP_P99_LIMIT_MS} ms or a poll fails`);
console.log(
  formatTable(
    ['', 'controller', 'fastify hello'],
    [
      ['seats sustained', controller.ramp.sustained, fastify.ramp.sustained],
      ['stopped by', controller.ramp.stoppedBy, fastify.ramp.stoppedBy],
      ['load generator saturated', String(controller.ramp.generatorBound), String(fastify.ramp.generatorBound)],
    ],
  ),
);
console.log(
  `\ngoals: CPU < ${GOALS.steadyCpuPercent} % ${pass.steadyCpu ? 'met' : 'MISSED'}; ` +
    `p99 < ${GOALS.steadyP99Ms} ms ${pass.steadyP99 ? 'met' : 'MISSED'}; ` +
    `>= ${GOALS.rampSeats} seats ${pass.rampSeats ? 'met' : 'MISSED'}`,
);
const path = await writeResults('poll', {
  quick: QUICK,
  plan: PLAN,
  goals: GOALS,
  pass,
  ratios,
  controller,
  fastifyHello: fastify,
  nodeHttpHello: nodeHello,
  durationS: round((performance.now() - started) / 1000, 0),
});
console.log(`wrote ${path}`);
