// Seat-poll benchmark: the controller, run as its own process, under simulated
// seats polling at 1 Hz, next to a bare fastify server and a bare node:http
// server (the floors under it) under the same load.
//   (a) 300 seats, in rounds that take the servers in turn (the host's speed
//       drifts over minutes; the median round counts): latency, CPU, RSS;
//       each server's CPU idle; the controller's CPU as a ratio to fastify's;
//   (b) seats ramped up on a 19,980-seat layout until the controller fails a
//       step twice running (p99 over 20 ms, failed polls, polls unanswered):
//       the most seats sustained. The seats run in several processes
//       (bench/lib/seat-load.ts); a step the load generator itself spoiled
//       (its loop lagging) is invalid and ends the ramp without a limit.
// docs/simulator.md describes the method. Environment:
//   POLL_BENCH_QUICK=1              shortens every phase (figures only to check the bench works)
//   POLL_BENCH_RESULTS=PATH         where the JSON goes (default below: never a quick run over bench/results/poll.json)
//   POLL_BENCH_CONTROLLER_ROOT=DIR  runs the controller from another checkout (e.g. a `git worktree` of an older commit)
//   POLL_BENCH_SEAT_POLL=v1         every seat speaks poll v1, no nonce (default v1.1: a nonce when the controller offers one)
//   POLL_BENCH_SEAT_PROCESSES=N     processes the seats are spread over (default 4)
//   POLL_BENCH_SEAT_HTTP=agent      seats poll through node:http's agent (default raw: a lean TCP connection each)
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildLayout, type LayoutConfig } from '../src/config/layout.js';
import { OWN_ROOT, checkoutVersion, startController } from './lib/controller.js';
import { startFastifyHello, startNodeHello } from './lib/peer-servers.js';
import { controllerLoopLagMs, scrapeMetrics } from './lib/prometheus.js';
import { cpuPercent, hostCpuPercent, openFileLimit, sampleHostCpu, sampleProc } from './lib/proc.js';
import { judgeStep, type Verdict } from './lib/ramp-verdict.js';
import { resultsPath, writeResults } from './lib/results.js';
import { SeatLoad } from './lib/seat-load.js';
import { formatTable } from './lib/table.js';

const QUICK = process.env.POLL_BENCH_QUICK === '1';
const PLAN = QUICK
  ? { steadySeats: 300, rounds: 1, idleMs: 5_000, warmupMs: 3_000, steadyMs: 6_000, rampFrom: 1_000, rampStep: 4_000, settleMs: 2_000, stepMs: 3_000 }
  : { steadySeats: 300, rounds: 3, idleMs: 10_000, warmupMs: 4_000, steadyMs: 10_000, rampFrom: 2_000, rampStep: 1_000, settleMs: 1_500, stepMs: 5_000 };
const RAMP_P99_LIMIT_MS = 20;
/** A load generator whose loop lags more than this measures its own delays: a step it fails is not the controller's failure. */
const GENERATOR_LAG_LIMIT_MS = 5;
/** Descriptors a server needs besides its seats' connections (database, WAL, pipes, listeners). */
const FD_RESERVE = 300;
const GOALS = { steadyCpuPercent: 5, steadyP99Ms: 5, rampSeats: 5_000 };

const CONTROLLER_ROOT = resolve(process.env.POLL_BENCH_CONTROLLER_ROOT ?? OWN_ROOT);
const FOREIGN_ROOT = CONTROLLER_ROOT !== resolve(OWN_ROOT);
const SEAT_POLL = process.env.POLL_BENCH_SEAT_POLL ?? 'v1.1';
if (SEAT_POLL !== 'v1' && SEAT_POLL !== 'v1.1') throw new Error(`POLL_BENCH_SEAT_POLL=${SEAT_POLL}: v1 or v1.1`);
const SEAT_PROCESSES = Number(process.env.POLL_BENCH_SEAT_PROCESSES ?? 4);
const SEAT_HTTP = process.env.POLL_BENCH_SEAT_HTTP ?? 'raw';
if (SEAT_HTTP !== 'raw' && SEAT_HTTP !== 'agent') throw new Error(`POLL_BENCH_SEAT_HTTP=${SEAT_HTTP}: raw or agent`);
const controllerVersion = checkoutVersion(CONTROLLER_ROOT);
const RESULTS =
  process.env.POLL_BENCH_RESULTS ??
  (QUICK ? join(tmpdir(), 'purser-poll-quick.json') : FOREIGN_ROOT ? resultsPath(`poll-${controllerVersion?.commit.slice(0, 7) ?? 'other'}`) : resultsPath('poll'));

// The cabins: the built-in 300 seats, and for the ramp 999 rows of 20 (I and O left out, as on aircraft) with an
// aisle: 19,980 seats. The config schema caps rows at 999 (three-digit seat ids), so the width grows, not the length.
const STEADY_LAYOUT: LayoutConfig = { rows: 50, letters: 'ABC DEF', zones: { J: '1-5', Y: '6-50' } };
const RAMP_LAYOUT: LayoutConfig = { rows: 999, letters: 'ABCDEFGHJK LMNPQRSTUV', zones: { J: '1-5', Y: '6-999' } };
// The seats' ids come from the controller's own layout code, so they are the seats it knows.
const seatIdsOf = (layout: LayoutConfig) => buildLayout(layout).seats.map((s) => s.id);
const STEADY_IDS = seatIdsOf(STEADY_LAYOUT);
const RAMP_IDS = seatIdsOf(RAMP_LAYOUT);
const FD_LIMIT = openFileLimit();
/** Every seat holds a connection, a descriptor in the server: the ramp stops below the servers' open-file limit. */
const RAMP_TOP = Math.min(RAMP_IDS.length, FD_LIMIT - FD_RESERVE);

const secret = randomBytes(32);
/** The bench is about the poll path: features that bind well-known ports or run peers (PA, TFTP, VLC, ...) stay off. */
const controllerConfig = (layout: LayoutConfig) => ({
  cabin: { secret: secret.toString('hex'), layout },
  pa: { enabled: false },
  tftp: { enabled: false },
});
/** Off switches for features some commits have and others not: left out where the controller does not know the section. */
const OPTIONAL_OFF = { vlc: { enabled: false }, console: { enabled: false }, content: { enabled: false } };

interface Server {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

interface Window {
  seats: number;
  /** Seats whose polls carried a nonce (poll v1.1); 0: every seat spoke poll v1. */
  seatsWithNonce: number;
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
  /** The load generator (every seat process together, % of one core) and its busiest process. */
  generatorCpuPercent: number;
  generatorBusiestProcessCpuPercent: number;
  /** The worst seat process's loop lag: if it lags, latencies include the generator's own delays. */
  generatorLoopLag: { p99Ms: number | null; maxMs: number | null };
  /** The busiest seat process's loop utilization (0..1). */
  generatorLoopUtilization: number;
  /** The whole machine, % of all its cores: server and generator share them. */
  hostCpuPercent: number;
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

/** One measurement window over a running load. */
async function measure(load: SeatLoad, server: Server, hasMetrics: boolean, ms: number): Promise<Window> {
  // A controller drowning in polls may not answer its /metrics in time: the window still counts, by the seats' figures.
  const scrape = () => (hasMetrics ? scrapeMetrics(server.url).catch(() => undefined) : Promise.resolve(undefined));
  const metrics0 = await scrape();
  const proc0 = sampleProc(server.pid);
  const host0 = sampleHostCpu();
  const w = await load.measure(ms);
  const proc1 = sampleProc(server.pid);
  const host1 = sampleHostCpu();
  const metrics1 = await scrape();
  return {
    seats: w.seats,
    seatsWithNonce: w.withNonce,
    answeredPerSec: round(w.answeredPerSec, 1)!,
    failed: w.failed,
    errors: w.errors,
    p50Ms: round(w.latencyMs.p50),
    p99Ms: round(w.latencyMs.p99),
    maxMs: round(w.latencyMs.max),
    serverCpuPercent: round(cpuPercent(proc0, proc1))!,
    serverRssMiB: round(proc1.rssBytes / 2 ** 20, 1)!,
    ...(metrics0 && metrics1 ? controllerFigures(metrics0, metrics1) : { serverLoopLag: { p99Ms: null, maxMs: null }, storeFlush: null }),
    generatorCpuPercent: round(w.cpuPercent, 1)!,
    generatorBusiestProcessCpuPercent: round(w.busiestShareCpuPercent, 1)!,
    generatorLoopLag: { p99Ms: round(w.loopLag.p99Ms), maxMs: round(w.loopLag.maxMs) },
    generatorLoopUtilization: round(w.loopUtilization)!,
    hostCpuPercent: round(hostCpuPercent(host0, host1), 1)!,
  };
}

const startLoad = (server: Server, seatIds: readonly string[]) =>
  SeatLoad.start({ controller: server.url, secret, seatIds, shares: SEAT_PROCESSES, legacyPoll: SEAT_POLL === 'v1', rawConnections: SEAT_HTTP === 'raw' });

async function steady(server: Server, hasMetrics: boolean): Promise<Window> {
  const load = await startLoad(server, STEADY_IDS);
  try {
    await load.addSeats(PLAN.steadySeats);
    await sleep(PLAN.warmupMs);
    return await measure(load, server, hasMetrics, PLAN.steadyMs);
  } finally {
    await load.stop();
  }
}

const judge = (w: Window) => judgeStep(w, { p99Ms: RAMP_P99_LIMIT_MS, generatorLagMs: GENERATOR_LAG_LIMIT_MS });

async function step(load: SeatLoad, server: Server, hasMetrics: boolean, steps: Window[]): Promise<{ w: Window; v: Verdict }> {
  const w = await measure(load, server, hasMetrics, PLAN.stepMs);
  const v = judge(w);
  steps.push(w);
  console.log(
    `  ${w.seats} seats: ${w.answeredPerSec} polls/s, p99 ${w.p99Ms} ms, server CPU ${w.serverCpuPercent} %, ` +
      `generator CPU ${w.generatorCpuPercent} % (${SEAT_PROCESSES} processes, busiest ${w.generatorBusiestProcessCpuPercent} %), generator lag p99 ${w.generatorLoopLag.p99Ms} ms, host ${w.hostCpuPercent} %` +
      (w.storeFlush ? `, server lag max ${w.serverLoopLag.maxMs} ms, store flush mean ${w.storeFlush.meanMs} ms (${w.storeFlush.count}, ${w.storeFlush.seatRows} seat rows)` : hasMetrics ? ', /metrics did not answer' : '') +
      (v.ok ? '' : v.by === 'generator' ? '  [INVALID: the load generator lagged]' : `  [short: ${v.why}]`),
  );
  return { w, v };
}

interface RampResult {
  /** The most seats sustained (0 if not even the first step). */
  sustained: number;
  /** What ended the ramp: the controller falling short (the limit found), the generator spoiling the step, or the ramp's top. */
  endedBy: 'controller' | 'generator' | 'top';
  /** True only when the controller itself fell short: then `sustained` is its limit, to within one step. Else it is a lower bound. */
  limitFound: boolean;
  stoppedBy: string;
  steps: Window[];
}

async function ramp(server: Server, hasMetrics: boolean): Promise<RampResult> {
  const load = await startLoad(server, RAMP_IDS);
  const steps: Window[] = [];
  let sustained = 0;
  let endedBy: RampResult['endedBy'] = 'top';
  let stoppedBy = `the ramp's top, ${RAMP_TOP} seats (layout ${RAMP_IDS.length}, open-file limit ${FD_LIMIT})`;
  try {
    await load.addSeats(Math.min(PLAN.rampFrom, RAMP_TOP));
    // A fresh server with thousands of seats joining at once (first polls, every seat coming online, the
    // store writing each new row, the JIT) is not the load a step measures: the first step warms up as (a) does.
    let settleMs = PLAN.warmupMs + PLAN.settleMs;
    for (;;) {
      await sleep(settleMs); // seats just added make their first polls
      settleMs = PLAN.settleMs;
      let { w, v } = await step(load, server, hasMetrics, steps);
      // Other work on a shared machine can spoil one window: a step must fall short twice.
      if (!v.ok) ({ w, v } = await step(load, server, hasMetrics, steps));
      if (!v.ok) {
        endedBy = v.by;
        stoppedBy = v.why;
        break;
      }
      sustained = w.seats;
      if (w.seats >= RAMP_TOP) break;
      await load.addSeats(Math.min(PLAN.rampStep, RAMP_TOP - w.seats));
    }
  } finally {
    await load.stop();
  }
  return { sustained, endedBy, limitFound: endedBy === 'controller', stoppedBy, steps };
}

interface Contender {
  name: string;
  start: (layout: LayoutConfig) => Promise<Server>;
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
    for (const c of contenders) servers.push(await c.start(STEADY_LAYOUT));
    await sleep(2_000); // past their start-up work
    const idle0 = servers.map((s) => sampleProc(s.pid));
    await sleep(PLAN.idleMs);
    const idle = servers.map((s, i) => round(cpuPercent(idle0[i]!, sampleProc(s.pid)))!);
    const rounds: Window[][] = contenders.map(() => []);
    for (let r = 1; r <= PLAN.rounds; r++) {
      for (const [i, c] of contenders.entries()) {
        const w = await steady(servers[i]!, c.hasMetrics);
        rounds[i]!.push(w);
        console.log(
          `  round ${r}, ${c.name}: server CPU ${w.serverCpuPercent} %, p50/p99 ${w.p50Ms}/${w.p99Ms} ms, ` +
            `generator CPU ${w.generatorCpuPercent} %, generator lag p99 ${w.generatorLoopLag.p99Ms} ms, host ${w.hostCpuPercent} %`,
        );
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

async function rampServer(c: Contender): Promise<RampResult> {
  console.log(`${c.name}: (b) ramp from ${PLAN.rampFrom} seats, +${PLAN.rampStep} every ${(PLAN.settleMs + PLAN.stepMs) / 1000} s, up to ${RAMP_TOP}`);
  const t0 = performance.now();
  const server = await c.start(RAMP_LAYOUT);
  console.log(`  ${c.name} started (the ${RAMP_IDS.length}-seat layout) in ${round((performance.now() - t0) / 1000, 1)} s`);
  return ramp(server, c.hasMetrics).finally(() => server.stop());
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round(a / b));
const median = (xs: readonly number[]) => [...xs].sort((x, y) => x - y)[(xs.length - 1) >> 1] ?? null;

const started = performance.now();
let leftOut: string[] = [];
const contenders: Contender[] = [
  {
    name: 'controller',
    start: async (layout) => {
      const c = await startController(controllerConfig(layout), { root: CONTROLLER_ROOT, optionalConfig: OPTIONAL_OFF, readyTimeoutMs: 180_000 });
      leftOut = c.leftOut;
      return c;
    },
    hasMetrics: true,
  },
  { name: 'fastify hello', start: () => startFastifyHello(), hasMetrics: false },
  { name: 'node:http hello', start: () => startNodeHello(), hasMetrics: false },
];
const worstCaseS = Math.round(
  2 + PLAN.idleMs / 1000 + (PLAN.rounds * 3 * (PLAN.warmupMs + PLAN.steadyMs)) / 1000 + 2 * (PLAN.warmupMs / 1000 + Math.ceil((RAMP_TOP - PLAN.rampFrom) / PLAN.rampStep + 1) * (PLAN.settleMs + PLAN.stepMs) / 1000),
);
console.log(
  `controller from ${CONTROLLER_ROOT}${controllerVersion ? ` at ${controllerVersion.commit.slice(0, 7)} "${controllerVersion.subject}"${controllerVersion.dirty ? ' (with uncommitted changes)' : ''}` : ''}; ` +
    `seats speak poll ${SEAT_POLL === 'v1' ? 'v1 (no nonce)' : 'v1.1 where the controller hands out nonces, else v1'}, in ${SEAT_PROCESSES} processes over ${SEAT_HTTP === 'raw' ? 'a raw TCP connection each' : "node:http's agent"}; ` +
    `about ${Math.round(worstCaseS / 60)} min if every ramp reaches its top${QUICK ? ' (QUICK: the figures only show the bench works)' : ''}`,
);
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
/** The controller's CPU at 300 seats against bare fastify's in the same run: the median rounds, and round by round. */
const roundRatios = controller.rounds.map((w, i) => ratio(w.serverCpuPercent, fastify.rounds[i]!.serverCpuPercent));
const cpuVsFastify = {
  seats: PLAN.steadySeats,
  controllerPercent: a.serverCpuPercent,
  fastifyPercent: f.serverCpuPercent,
  ratio: ratios.serverCpu,
  roundRatios,
  medianRoundRatio: median(roundRatios.filter((r): r is number => r !== null)),
};
/** The largest seat count the controller sustained at 1 Hz with p99 under 20 ms; a lower bound unless `found`. */
const rampLimit = {
  seats: controller.ramp.sustained,
  found: controller.ramp.limitFound,
  endedBy: controller.ramp.endedBy,
  stoppedBy: controller.ramp.stoppedBy,
  resolutionSeats: PLAN.rampStep,
};
const pass = {
  steadyCpu: a.serverCpuPercent < GOALS.steadyCpuPercent,
  steadyP99: controller.rounds.every((w) => w.p99Ms !== null && w.p99Ms < GOALS.steadyP99Ms),
  rampSeats: controller.ramp.sustained >= GOALS.rampSeats,
};

const ms = (v: number | null) => (v === null ? '-' : v);
const cpus = (r: SteadyResult) => r.rounds.map((w) => w.serverCpuPercent).join(', ');
const lagOf = (w: Window) => `${ms(w.generatorLoopLag.p99Ms)} / ${ms(w.generatorLoopLag.maxMs)}`;
console.log(`\n(a) ${PLAN.steadySeats} seats at 1 Hz, the median of ${PLAN.rounds} rounds of ${PLAN.steadyMs / 1000} s${QUICK ? ' (quick)' : ''}`);
console.log(
  formatTable(
    ['', 'controller', 'fastify hello', 'node:http hello', 'controller / fastify'],
    [
      ['polls/s answered', a.answeredPerSec, f.answeredPerSec, n.answeredPerSec, ''],
      ['failed polls', a.failed, f.failed, n.failed, ''],
      ['seats polling with a nonce (v1.1)', a.seatsWithNonce, f.seatsWithNonce, n.seatsWithNonce, ''],
      ['p50 latency, ms', ms(a.p50Ms), ms(f.p50Ms), ms(n.p50Ms), ms(ratios.p50)],
      ['p99 latency, ms', ms(a.p99Ms), ms(f.p99Ms), ms(n.p99Ms), ms(ratios.p99)],
      ['max latency, ms', ms(a.maxMs), ms(f.maxMs), ms(n.maxMs), ''],
      ['server CPU, % of a core (median)', a.serverCpuPercent, f.serverCpuPercent, n.serverCpuPercent, ms(ratios.serverCpu)],
      ['server CPU, every round', cpus(controller), cpus(fastify), cpus(nodeHello), roundRatios.map(ms).join(', ')],
      ['server CPU idle, no seats', controller.idleCpuPercent, fastify.idleCpuPercent, nodeHello.idleCpuPercent, ''],
      ['server RSS, MiB', a.serverRssMiB, f.serverRssMiB, n.serverRssMiB, ms(ratios.serverRss)],
      ['server loop lag p99 / max, ms', `${ms(a.serverLoopLag.p99Ms)} / ${ms(a.serverLoopLag.maxMs)}`, '-', '-', ''],
      ['store flushes: mean ms / over 10 ms', a.storeFlush ? `${ms(a.storeFlush.meanMs)} / ${a.storeFlush.over10Ms} of ${a.storeFlush.count}` : '-', '-', '-', ''],
      ['store rows written: seats / events', a.storeFlush ? `${a.storeFlush.seatRows} / ${a.storeFlush.eventRows}` : '-', '-', '-', ''],
      ['generator CPU, % (all processes)', a.generatorCpuPercent, f.generatorCpuPercent, n.generatorCpuPercent, ''],
      ['generator loop lag p99 / max, ms', lagOf(a), lagOf(f), lagOf(n), ''],
      ['host CPU, % of all cores', a.hostCpuPercent, f.hostCpuPercent, n.hostCpuPercent, ''],
    ],
  ),
);
console.log(
  `\ncontroller CPU at ${PLAN.steadySeats} seats: ${a.serverCpuPercent} % of a core = ${ms(ratios.serverCpu)} x bare fastify's ${f.serverCpuPercent} % ` +
    `(round by round: ${roundRatios.map(ms).join(', ')})`,
);
const bound = (r: RampResult) => (r.limitFound ? String(r.sustained) : `>= ${r.sustained}`);
console.log(`\n(b) ramp at 1 Hz until p99 > ${RAMP_P99_LIMIT_MS} ms, a poll fails or polls go unanswered (twice running); steps of ${PLAN.rampStep}`);
console.log(
  formatTable(
    ['', 'controller', 'fastify hello'],
    [
      ['seats sustained', bound(controller.ramp), bound(fastify.ramp)],
      ['ended by', controller.ramp.endedBy, fastify.ramp.endedBy],
      ['why', controller.ramp.stoppedBy, fastify.ramp.stoppedBy],
    ],
  ),
);
for (const [name, r] of [['controller', controller.ramp], ['fastify hello', fastify.ramp]] as const) {
  if (r.endedBy === 'generator') console.log(`NOTE ${name}: the ramp ended on a step the load generator spoiled (its loop lagged): no limit was found; it is at least ${r.sustained} seats.`);
}
console.log(
  `\nlargest seat count sustained at 1 Hz with p99 < ${RAMP_P99_LIMIT_MS} ms: ${bound(controller.ramp)} seats` +
    (controller.ramp.limitFound ? ` (the controller fell short at the next step, +${PLAN.rampStep})` : ` (${controller.ramp.endedBy === 'top' ? 'the ramp reached its top' : 'the load generator, not the controller, ended the ramp'})`),
);
console.log(
  `goals: CPU < ${GOALS.steadyCpuPercent} % ${pass.steadyCpu ? 'met' : 'MISSED'}; ` +
    `p99 < ${GOALS.steadyP99Ms} ms ${pass.steadyP99 ? 'met' : 'MISSED'}; ` +
    `>= ${GOALS.rampSeats} seats ${pass.rampSeats ? 'met' : 'MISSED'}`,
);
const path = await writeResults(
  'poll',
  {
    quick: QUICK,
    controllerRoot: CONTROLLER_ROOT,
    controllerVersion,
    benchVersion: checkoutVersion(OWN_ROOT),
    seatPoll: SEAT_POLL,
    seatHttp: SEAT_HTTP,
    seatProcesses: SEAT_PROCESSES,
    configSectionsLeftOut: leftOut,
    layouts: { steady: { ...STEADY_LAYOUT, seats: STEADY_IDS.length }, ramp: { ...RAMP_LAYOUT, seats: RAMP_IDS.length, top: RAMP_TOP, openFileLimit: FD_LIMIT } },
    plan: PLAN,
    limits: { rampP99Ms: RAMP_P99_LIMIT_MS, generatorLoopLagP99Ms: GENERATOR_LAG_LIMIT_MS },
    goals: GOALS,
    pass,
    cpuVsFastify,
    rampLimit,
    ratios,
    controller,
    fastifyHello: fastify,
    nodeHttpHello: nodeHello,
    durationS: round((performance.now() - started) / 1000, 0),
  },
  RESULTS,
);
console.log(`wrote ${path} (${round((performance.now() - started) / 1000, 0)} s)`);
