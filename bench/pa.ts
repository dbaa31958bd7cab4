// PA latency benchmark: from the first audible RTP packet leaving the PA
// gateway to the pa.begin datagram verified and applied at each of 300
// simulated seats. The controller runs as its own process (`purser run`) with
// a PA hang-over of 250 ms instead of the default 1500, so that a PA cycle
// (a 400 ms voice, the hang-over, pa.end at every seat, a 150 ms gap) takes
// under a second; the hang-over does not enter the begin latency.
//   (1) quiet: the seats' polls silenced, so only the datagram path runs;
//   (2) loaded: all 300 seats poll once a second while a firmware rollout
//       (16 MiB image, real TFTP, 100 downloads at once) runs; should it
//       finish first, a rollout of the next version follows, so the downloads
//       go on to the end of the phase.
// 100 PAs each, after 3 warm-up PAs that are reported apart. The gateway is a
// quiet process of its own (bench/lib/pa-gateway.ts) that plays the PAs and
// also hears the command group as one more seat, verifying each datagram: its
// figure is the controller's latency apart from the seat simulator (this
// process), which in phase 2 also runs the 100 downloads and their SHA-256.
// Times in both processes are CLOCK_MONOTONIC (monoMs), so they subtract.
// PA_BENCH_QUICK=1: 20 PAs a phase and an 8 MiB image. Writes bench/results/pa.json.
import { randomBytes } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RolloutDetail } from '../src/firmware/rollout/view.js';
import { SimFirmware } from '../src/sim/firmware/sim-firmware.js';
import { Simulator } from '../src/sim/simulator.js';
import { startController } from './lib/controller.js';
import { measureLoopLag } from './lib/loop-lag.js';
import { monoMs, startPaGateway, type PaGateway } from './lib/pa-gateway.js';
import { cpuShare, cpuTimes, fsyncCommitMs } from './lib/pa-machine.js';
import { percentile } from './lib/percentile.js';
import { controllerLoopLagMs, scrapeMetrics } from './lib/prometheus.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { writeResults } from './lib/results.js';
import { formatTable } from './lib/table.js';

const QUICK = process.env.PA_BENCH_QUICK === '1';
const PLAN = {
  seats: 300,
  warmupPas: 3,
  pasPerPhase: QUICK ? 20 : 100,
  voiceMs: 400,
  hangoverMs: 250,
  gapMs: 150,
  imageMiB: QUICK ? 8 : 16,
  rollout: { canary: 0, batchSize: 300, maxConcurrent: 100, retries: 0 },
  tftp: { blksize: 1428, windowsize: 16, timeoutMs: 1000, retries: 8 },
};
const GOALS = { p99Ms: 30, maxMs: 100 };
/** Imported before phase 1. Should a rollout finish while phase 2 still runs, the next version's rollout follows it, so downloads go on. */
const VERSIONS = ['2.5.0', '2.5.1', '2.5.2'];

/** A pa.begin or pa.end as one simulated seat applied it, timed in this process. */
interface Delivery {
  seat: string;
  at: number;
  via: 'multicast' | 'poll' | undefined;
  result: string;
}

interface PaRun {
  n: number;
  beginSeq: number | null;
  endSeq: number | null;
  firstAudibleAt: number | null;
  /** The gateway (a quiet process) heard pa.begin this long after the first audible packet left. */
  referenceMs: number | null;
  /** Downloads in progress at the simulated seats when the PA began (phase 2). */
  activeDownloads: number | null;
  /** pa.end had reached every seat before the next PA (else: waited 2 s). */
  endedEverywhere: boolean;
  /** When the gateway heard other than one pa.begin and one pa.end in this PA's time: what it heard, ms after the first audible packet. */
  anomaly?: { cmd: string; seq: number; atMs: number | null }[];
}

const round = (n: number | null | undefined, digits = 2): number | null => (n === null || n === undefined || Number.isNaN(n) ? null : Number(n.toFixed(digits)));
const show = (n: number | null): string | number => n ?? '-';
const trio = (a: { p50Ms: number | null; p99Ms: number | null; maxMs: number | null }) => `${show(a.p50Ms)} / ${show(a.p99Ms)} / ${show(a.maxMs)}`;
const spread = (xs: number[]) => ({ p50Ms: round(percentile(xs, 50)), p99Ms: round(percentile(xs, 99)), maxMs: round(xs.length ? Math.max(...xs) : NaN) });

async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > end) return false;
    await sleep(5);
  }
  return true;
}

const secret = randomBytes(32);
const token = randomBytes(16).toString('hex');
// Random high ports, so parallel runs (and tests) do not hear each other's PAs and commands.
const commandPort = 20_000 + Math.floor(Math.random() * 20_000);
const paPort = 40_000 + Math.floor(Math.random() * 20_000);
const COMMAND_GROUP = '239.255.10.1';
const CABIN_GROUP = '239.255.20.1';

// The disk under the controller's state dir (startController makes it in tmpdir()): every pa.begin waits for one such commit.
const fsync = await fsyncCommitMs(tmpdir());
console.log(`fsync'd commit on this disk: p50 ${round(fsync.p50Ms)} ms, p99 ${round(fsync.p99Ms)} ms, max ${round(fsync.maxMs)} ms`);

const controller = await startController({
  cabin: { secret: secret.toString('hex') },
  api: { token },
  commands: { group: COMMAND_GROUP, port: commandPort },
  multicast: { interface: '127.0.0.1', ttl: 1 },
  pa: {
    enabled: true,
    interface: '127.0.0.1',
    thresholdDbfs: -45,
    hangoverMs: PLAN.hangoverMs,
    sources: [
      { name: 'flightdeck', group: '239.255.20.2', port: paPort },
      { name: 'cabin', group: CABIN_GROUP, port: paPort },
    ],
  },
  tftp: { enabled: true, host: '127.0.0.1', port: 0 },
});
const url = controller.url;
const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) };
  const res = await fetch(`${url}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

let sim: Simulator | undefined;
let fw: SimFirmware | undefined;
let gw: PaGateway | undefined;
try {
  gw = await startPaGateway({ controller: url, commands: { group: COMMAND_GROUP, port: commandPort }, pa: { group: CABIN_GROUP, port: paPort } });
  const gateway = gw;
  for (const version of VERSIONS) {
    const put = await fetch(`${url}/api/v1/firmware/gp3/${version}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(randomBytes(PLAN.imageMiB * 2 ** 20)),
    });
    if (put.status !== 201) throw new Error(`import ${version}: ${put.status} ${await put.text()}`);
  }

  const cabin = (sim = new Simulator({ controller: url, secret, seats: PLAN.seats, commands: { group: COMMAND_GROUP, port: commandPort, interface: '127.0.0.1' } }));
  const firmware = (fw = new SimFirmware(cabin, { controller: url, tftp: PLAN.tftp, timing: { verifyMs: 100, flashMs: 500, rebootingMs: 1500, bootMs: 1000 } }));
  const deliveries = new Map<number, Delivery[]>();
  cabin.events$.subscribe((e) => {
    if (e.type !== 'command' || (e.cmd !== 'pa.begin' && e.cmd !== 'pa.end') || e.seq === undefined) return;
    const at = monoMs();
    let list = deliveries.get(e.seq);
    if (!list) deliveries.set(e.seq, (list = []));
    list.push({ seat: e.seat, at, via: e.via, result: e.result });
  });
  cabin.start();
  await cabin.joined();
  console.log(`${PLAN.seats} seats polling and on the command group; waiting for every seat to know its zone`);
  if (!(await until(() => cabin.players.every((p) => p.model.zone !== undefined), 30_000))) throw new Error('seats did not all get a poll answer in 30 s');

  let lastSeq = 0;
  /** One PA: play, wait for pa.begin and pa.end at the gateway, then for pa.end at every seat. */
  const runPa = async (n: number, activeDownloads: () => number | null): Promise<PaRun> => {
    const after = lastSeq;
    const downloads = activeDownloads();
    const begin = gateway.next((h) => h.cmd === 'pa.begin', after, PLAN.voiceMs + 3000);
    const played = await gateway.play(PLAN.voiceMs, n);
    const b = await begin;
    const e = b ? await gateway.next((h) => h.cmd === 'pa.end', b.seq, PLAN.hangoverMs + 3000) : null;
    const endedEverywhere = e ? await until(() => new Set(deliveries.get(e.seq)?.map((d) => d.seat)).size >= cabin.players.length, 2000) : false;
    if (!e) await sleep(PLAN.hangoverMs + 500);
    await sleep(PLAN.gapMs);
    lastSeq = gateway.maxSeq();
    const heard = gateway.heardAfter(after);
    const anomaly =
      heard.length === 2 && heard[0]!.cmd === 'pa.begin' && heard[1]!.cmd === 'pa.end'
        ? undefined
        : heard.map((h) => ({ cmd: h.cmd, seq: h.seq, atMs: played.firstAudibleAt === null ? null : round(h.at - played.firstAudibleAt) }));
    if (anomaly) console.log(`  PA ${n}: the gateway heard ${JSON.stringify(anomaly)}`);
    return {
      n,
      beginSeq: b?.seq ?? null,
      endSeq: e?.seq ?? null,
      firstAudibleAt: played.firstAudibleAt,
      referenceMs: b && played.firstAudibleAt !== null ? b.at - played.firstAudibleAt : null,
      activeDownloads: downloads,
      endedEverywhere,
      ...(anomaly ? { anomaly } : {}),
    };
  };

  /** The latency of each seat that applied a PA's pa.begin. */
  const seatSamples = (r: PaRun) =>
    r.beginSeq === null || r.firstAudibleAt === null
      ? []
      : (deliveries.get(r.beginSeq) ?? []).filter((d) => d.result === 'applied').map((d) => ({ ms: d.at - r.firstAudibleAt!, via: d.via }));

  /** Runs `count` PAs and measures everything around them. */
  const phase = async (name: string, count: number, firstN: number, activeDownloads: () => number | null) => {
    const before = await scrapeMetrics(url); // also restarts the controller's loop-lag histogram
    await gateway.loopLag();
    cabin.resetStats();
    const proc0 = sampleProc(controller.pid);
    const gw0 = sampleProc(gateway.pid);
    const cpu0 = cpuTimes();
    const gen0 = process.cpuUsage();
    const genLag = measureLoopLag();
    const t0 = performance.now();
    const runs: PaRun[] = [];
    for (let i = 0; i < count; i++) {
      runs.push(await runPa(firstN + i, activeDownloads));
      if ((i + 1) % 20 === 0) {
        const done = runs.flatMap(seatSamples).map((s) => s.ms);
        console.log(`  ${name}: ${i + 1} PAs, seat p99 so far ${round(percentile(done, 99))} ms, max ${round(Math.max(...done))} ms`);
      }
    }
    const elapsedMs = performance.now() - t0;
    const proc1 = sampleProc(controller.pid);
    const gw1 = sampleProc(gateway.pid);
    const machine = cpuShare(cpu0, cpuTimes(), cpus().length);
    const gen = process.cpuUsage(gen0);
    const lag = genLag.stop();
    const gwLag = await gateway.loopLag();
    const after = await scrapeMetrics(url);
    const polls = cabin.stats();
    return { runs, elapsedMs, proc0, proc1, gw0, gw1, machine, gen, lag, gwLag, before, after, polls };
  };

  const summarize = (m: Awaited<ReturnType<typeof phase>>) => {
    const samples = m.runs.flatMap(seatSamples);
    const all = samples.map((s) => s.ms);
    const viaMulticast = samples.filter((s) => s.via === 'multicast').map((s) => s.ms);
    const viaPoll = samples.filter((s) => s.via === 'poll').map((s) => s.ms);
    const detected = m.runs.filter((r) => r.beginSeq !== null);
    const lastSeat = detected.flatMap((r) => {
      const s = seatSamples(r).map((x) => x.ms);
      return s.length ? [Math.max(...s)] : [];
    });
    const reference = detected.flatMap((r) => (r.referenceMs === null ? [] : [r.referenceMs]));
    const controllerCpu = cpuPercent(m.proc0, m.proc1);
    const generatorCpu = ((m.gen.user + m.gen.system) / 1000 / m.elapsedMs) * 100;
    const gatewayCpu = cpuPercent(m.gw0, m.gw1);
    return {
      pas: m.runs.length,
      detected: detected.length,
      endedAtEverySeat: m.runs.filter((r) => r.endedEverywhere).length,
      seconds: round(m.elapsedMs / 1000, 1),
      seats: {
        expected: m.runs.length * PLAN.seats,
        applied: samples.length,
        viaMulticast: viaMulticast.length,
        viaPoll: viaPoll.length,
        missing: m.runs.length * PLAN.seats - samples.length,
        ...spread(all),
        multicastOnly: spread(viaMulticast),
        pollOnly: spread(viaPoll),
      },
      lastSeatPerPa: spread(lastSeat),
      reference: spread(reference),
      controller: {
        cpuPercent: round(controllerCpu, 1),
        rssMiB: round(m.proc1.rssBytes / 2 ** 20, 1),
        loopLagP99Ms: round(controllerLoopLagMs(m.after, 'p99')),
        loopLagMaxMs: round(controllerLoopLagMs(m.after, 'max')),
      },
      generator: {
        cpuPercent: round(generatorCpu, 1),
        loopLagP99Ms: round(m.lag.p99Ms),
        loopLagMaxMs: round(m.lag.maxMs),
      },
      gateway: { cpuPercent: round(gatewayCpu, 1), loopLagP99Ms: round(m.gwLag.p99Ms), loopLagMaxMs: round(m.gwLag.maxMs) },
      /** In % of one core: the whole machine busy, what the hypervisor stole, and what processes other than these three used. */
      machine: {
        busyPercent: round(m.machine.busyPercent, 1),
        stealPercent: round(m.machine.stealPercent, 1),
        otherProcessesPercent: round(Math.max(0, m.machine.busyPercent - controllerCpu - generatorCpu - gatewayCpu), 1),
      },
      seatPolls: { answered: m.polls.ok, failed: m.polls.failed, p99Ms: round(m.polls.latencyMs.p99) },
      perPa: m.runs.map((r) => {
        const s = seatSamples(r).map((x) => x.ms);
        return {
          n: r.n,
          seq: r.beginSeq,
          referenceMs: round(r.referenceMs),
          seats: s.length,
          firstSeatMs: round(s.length ? Math.min(...s) : NaN),
          lastSeatMs: round(s.length ? Math.max(...s) : NaN),
          ...(r.activeDownloads !== null ? { activeDownloads: r.activeDownloads } : {}),
          ...(r.anomaly ? { anomaly: r.anomaly } : {}),
        };
      }),
    };
  };
  const pass = (f: ReturnType<typeof summarize>) => ({
    seatsP99: f.seats.p99Ms !== null && f.seats.p99Ms < GOALS.p99Ms && f.seats.missing === 0,
    seatsMax: f.seats.maxMs !== null && f.seats.maxMs < GOALS.maxMs && f.seats.missing === 0,
    referenceP99: f.reference.p99Ms !== null && f.reference.p99Ms < GOALS.p99Ms && f.detected === f.pas,
    referenceMax: f.reference.maxMs !== null && f.reference.maxMs < GOALS.maxMs && f.detected === f.pas,
  });

  // Phase 1: quiet. Silenced seats drop out of "online" after three intervals; let that settle first.
  for (const p of cabin.players) p.goSilent(24 * 3_600_000);
  await sleep(5000);
  const noDownloads = () => null;
  console.log(`warm-up: ${PLAN.warmupPas} PAs`);
  const warm = summarize(await phase('warm-up', PLAN.warmupPas, 1, noDownloads));
  console.log(`phase 1 (quiet, seats' polls silenced): ${PLAN.pasPerPhase} PAs`);
  const quiet = summarize(await phase('quiet', PLAN.pasPerPhase, 1 + PLAN.warmupPas, noDownloads));

  // Phase 2: the seats poll again, and a rollout downloads over TFTP.
  for (const p of cabin.players) p.goSilent(0);
  for (const t0 = performance.now(); ; ) {
    const { online } = await api<{ online: number }>('GET', '/api/v1/seats?status=online');
    if (online >= PLAN.seats) break;
    if (performance.now() - t0 > 30_000) throw new Error(`only ${online} seats online 30 s after polling resumed`);
    await sleep(250);
  }
  await sleep(2000);
  const startRollout = async (version: string) =>
    (await api<{ rollout: RolloutDetail }>('POST', '/api/v1/rollouts', { model: 'gp3', version, target: { all: true }, ...PLAN.rollout, onGround: true })).rollout;
  const rollouts = [await startRollout(VERSIONS[0]!)];
  const active = () => {
    const s = firmware.stats();
    return Math.max(0, s.attempts - s.downloads.completed - s.downloads.failed - (s.failed.key ?? 0));
  };
  if (!(await until(() => active() > 0, 15_000))) throw new Error('no download began in 15 s');
  await sleep(1000); // downloads under way, not just asked for
  console.log(`phase 2 (loaded): rollout of ${PLAN.imageMiB} MiB to ${PLAN.seats} seats, ${PLAN.rollout.maxConcurrent} downloads at once; ${PLAN.pasPerPhase} PAs`);
  // Downloads in progress, sampled every 100 ms: how much of the phase overlapped TFTP traffic.
  let sampled = 0;
  let busy = 0;
  let activeSum = 0;
  const sampler = setInterval(() => {
    const a = active();
    sampled++;
    activeSum += a;
    if (a > 0) busy++;
  }, 100);
  let driving = true;
  const driver = (async () => {
    while (driving) {
      await sleep(1000);
      const last = rollouts.at(-1)!;
      const r = (await api<{ rollout: RolloutDetail }>('GET', `/api/v1/rollouts/${last.id}`)).rollout;
      rollouts[rollouts.length - 1] = r;
      const next = VERSIONS[rollouts.length];
      if (driving && r.state !== 'running' && next) {
        console.log(`  rollout ${r.id} (${r.version}) ${r.state}; rolling ${next} on`);
        rollouts.push(await startRollout(next));
      }
    }
  })();
  const dl0 = firmware.stats().downloads;
  const loadedRaw = await phase('loaded', PLAN.pasPerPhase, 1 + PLAN.warmupPas + PLAN.pasPerPhase, active);
  clearInterval(sampler);
  driving = false;
  await driver;
  const dl1 = firmware.stats().downloads;
  const loaded = summarize(loadedRaw);
  const rolloutsAtEnd = [];
  for (const { id } of rollouts) {
    const r = (await api<{ rollout: RolloutDetail }>('GET', `/api/v1/rollouts/${id}`)).rollout;
    if (r.state === 'running') await api('POST', `/api/v1/rollouts/${id}/cancel`);
    rolloutsAtEnd.push({ id, version: r.version, state: r.state, updated: r.totals.updated, failed: r.totals.failed, cancelledAfter: r.state === 'running' });
  }
  const transfers = {
    pasWithDownloadsActive: loaded.perPa.filter((p) => (p.activeDownloads ?? 0) > 0).length,
    phaseFractionWithDownloadsActive: round(sampled ? busy / sampled : 0, 3),
    meanActiveDownloads: round(sampled ? activeSum / sampled : 0, 1),
    downloadsCompletedInPhase: dl1.completed - dl0.completed,
    /** Image bytes the seats acknowledged during the phase, by the controller's count. */
    aggregateMiBps: round(
      ((loadedRaw.after.get('purser_tftp_bytes_total') ?? 0) - (loadedRaw.before.get('purser_tftp_bytes_total') ?? 0)) / 2 ** 20 / (loadedRaw.elapsedMs / 1000),
      1,
    ),
    controllerActiveTransfersAtEnd: loadedRaw.after.get('purser_tftp_active_transfers') ?? null,
    rolloutsAtPhaseEnd: rolloutsAtEnd,
  };
  const paApi = await api<{ counters: { begins: number; ends: number; faults: number; receivers: Record<string, { datagrams: number; bad: Record<string, number> }> } | null }>('GET', '/api/v1/pa');
  const counters = paApi.counters && {
    begins: paApi.counters.begins,
    ends: paApi.counters.ends,
    faults: paApi.counters.faults,
    cabinDatagrams: paApi.counters.receivers.cabin?.datagrams ?? null,
    cabinBad: paApi.counters.receivers.cabin?.bad ?? null,
  };

  const figures = {
    quick: QUICK,
    fsyncCommitMs: { p50: round(fsync.p50Ms), p99: round(fsync.p99Ms), max: round(fsync.maxMs) },
    plan: { ...PLAN, codec: 'L16 48 kHz, 20 ms packets', signal: 'voice (seeded per PA)', commandCopiesMs: [0, 20, 100] },
    quiet,
    loaded: { ...loaded, transfers },
    warmup: { lastSeatPerPa: warm.lastSeatPerPa, reference: warm.reference, perPa: warm.perPa },
    controllerPaCounters: counters,
  };
  const passFlags = { quiet: pass(quiet), loaded: pass(loaded) };

  const rows = (f: ReturnType<typeof summarize>): (string | number)[][] => [
    ['PAs detected / run / ended at every seat', `${f.detected} / ${f.pas} / ${f.endedAtEverySeat}`],
    ['seat deliveries: multicast / poll / missing', `${f.seats.viaMulticast} / ${f.seats.viaPoll} / ${f.seats.missing}`],
    ['seat latency p50 / p99 / max, ms', trio(f.seats)],
    ['  via multicast only', trio(f.seats.multicastOnly)],
    ['last seat per PA p50 / p99 / max, ms', trio(f.lastSeatPerPa)],
    ['gateway receiver p50 / p99 / max, ms', trio(f.reference)],
    ['controller CPU, % of a core', show(f.controller.cpuPercent)],
    ['controller loop lag p99 / max, ms', `${show(f.controller.loopLagP99Ms)} / ${show(f.controller.loopLagMaxMs)}`],
    ['seat simulator CPU, % / lag p99 / max, ms', `${f.generator.cpuPercent} / ${f.generator.loopLagP99Ms} / ${f.generator.loopLagMaxMs}`],
    ['gateway loop lag p99 / max, ms', `${f.gateway.loopLagP99Ms} / ${f.gateway.loopLagMaxMs}`],
    ['machine busy / stolen / other processes, % of a core', `${f.machine.busyPercent} / ${f.machine.stealPercent} / ${f.machine.otherProcessesPercent}`],
  ];
  console.log(`\nPA begin latency, first audible RTP packet -> pa.begin applied at each of ${PLAN.seats} seats (hang-over ${PLAN.hangoverMs} ms for the bench)${QUICK ? ' (quick)' : ''}`);
  console.log('\nphase 1: quiet (polls silenced)');
  console.log(formatTable(['', 'value'], rows(quiet)));
  console.log(`\nphase 2: ${PLAN.seats} seats polling + rollout (${PLAN.imageMiB} MiB, ${PLAN.rollout.maxConcurrent} downloads at once)`);
  console.log(
    formatTable(
      ['', 'value'],
      [
        ...rows(loaded),
        ['seat polls answered / failed, p99 ms', `${loaded.seatPolls.answered} / ${loaded.seatPolls.failed}, ${loaded.seatPolls.p99Ms}`],
        ['PAs begun with downloads active', `${transfers.pasWithDownloadsActive} / ${loaded.pas}`],
        ['phase time with downloads active', `${round(transfers.phaseFractionWithDownloadsActive! * 100, 1)} % (mean ${transfers.meanActiveDownloads} at once)`],
        ['downloads completed in phase, MiB/s', `${transfers.downloadsCompletedInPhase}, ${transfers.aggregateMiBps}`],
        ...rolloutsAtEnd.map((r): [string, string] => [
          `rollout ${r.id} (${r.version}) at phase end`,
          `${r.state}: ${r.updated} updated, ${r.failed} failed${r.cancelledAfter ? ' (then cancelled)' : ''}`,
        ]),
      ],
    ),
  );
  console.log(
    `\nwarm-up (not counted): gateway ${warm.perPa.map((p) => p.referenceMs).join(', ')} ms, last seat ${warm.perPa.map((p) => p.lastSeatMs).join(', ')} ms`,
  );
  console.log(`controller PA counters: ${JSON.stringify(counters)} (${PLAN.warmupPas + 2 * PLAN.pasPerPhase} PAs played)`);
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  for (const [name, p] of Object.entries(passFlags)) {
    console.log(
      `goals, ${name}: seats p99 < ${GOALS.p99Ms} ms ${verdict(p.seatsP99)}, max < ${GOALS.maxMs} ms ${verdict(p.seatsMax)}; ` +
        `gateway receiver p99 ${verdict(p.referenceP99)}, max ${verdict(p.referenceMax)}`,
    );
  }
  console.log(`wrote ${await writeResults('pa', { ...figures, goals: GOALS, pass: passFlags })}`);
} finally {
  fw?.stop();
  await sim?.stop();
  await gw?.stop();
  await controller.stop();
}
