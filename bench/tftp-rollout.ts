// Firmware rollout benchmark: the controller, as its own process, rolls a 16 MiB
// image out to 300 simulated seats at once (no canary, one batch, no download
// cap). Every seat fetches it over real TFTP (blksize 1428, windowsize 16: an
// Ethernet frame), verifies it, "flashes" and reboots, while all 300 keep
// polling once a second. Figures: total time, downloads, retransmits,
// failures, and the seat-poll latency while it happens. That latency is taken
// by a probe process of its own (twelve more seats, rows 51-52, not in the rollout): the
// 300 seats share this process with 300 downloads and SHA-256 over every byte,
// so their own figures include this process's delays too.
// TFTP_ROLLOUT_QUICK=1: 60 seats and 4 MiB. Writes bench/results/tftp-rollout.json.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { deriveLruKey, signBody } from '../protocols/seat-poll/hmac.js';
import { POLL_PATH } from '../protocols/seat-poll/types.js';
import { Controller } from '../src/app/controller.js';
import { commandsFeature } from '../src/commands/feature.js';
import { loadConfigFile } from '../src/app/config.js';
import { createLogger } from '../src/core/log.js';
import { firmwareFeature } from '../src/firmware/feature.js';
import type { RolloutDetail } from '../src/firmware/rollout/view.js';
import { SimFirmware } from '../src/sim/firmware/sim-firmware.js';
import { lruFor } from '../src/sim/lru.js';
import { postPoll } from '../src/sim/poll-client.js';
import { SeatModel, systemClock } from '../src/sim/seat-model.js';
import { Simulator } from '../src/sim/simulator.js';
import { measureLoopLag } from './lib/loop-lag.js';
import { controllerLoopLagMs, scrapeMetrics } from './lib/prometheus.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { writeResults } from './lib/results.js';
import { spawnReady } from './lib/spawn-ready.js';
import { formatTable } from './lib/table.js';

const CONTROLLER_FLAG = '--controller-child';
const PROBE_FLAG = '--probe-child';
/** The probe's seats: two rows of their own, outside the rollout. */
const PROBE_ROWS = [51, 52];

if (process.argv[2] === CONTROLLER_FLAG) await controllerChild(process.argv[3]!);
else if (process.argv[2] === PROBE_FLAG) probeChild(process.argv[3]!, process.argv[4]!, process.argv[5]!);
else await bench();

/**
 * `purser run` serves the default features, firmware not (yet) among them: the
 * controller process is this file again, composing the spine with commands and firmware.
 */
async function controllerChild(configPath: string): Promise<void> {
  const { config, layout } = await loadConfigFile(configPath);
  const commands = commandsFeature();
  const controller = new Controller(config, layout, createLogger(), [commands, firmwareFeature()]);
  await controller.start();
  await controller.whenStarted();
  process.on('SIGTERM', () => void controller.stop().then(() => process.exit(0)));
  console.log(`listening on ${controller.url}`);
}

/** Twelve seats polling once a second, spread over the second; SIGUSR2 starts the window, SIGTERM writes it to `out`. */
function probeChild(url: string, secretHex: string, out: string): void {
  const secret = Buffer.from(secretHex, 'hex');
  const agent = new Agent({ keepAlive: true });
  const pollUrl = new URL(POLL_PATH, url);
  const latency = createHistogram();
  let failed = 0;
  const ids = PROBE_ROWS.flatMap((row) => [...'ABCDEF'].map((letter) => `${row}${letter}`));
  ids.forEach((id, i) => {
    const seat = new SeatModel(id, lruFor(1000 + i), systemClock);
    const key = deriveLruKey(secret, seat.lru.serial);
    const poll = async () => {
      const body = JSON.stringify(seat.nextPoll());
      try {
        const a = await postPoll(agent, pollUrl, body, signBody(key, body), 5000);
        if (a.status === 200) latency.record(Math.max(1, Math.round(a.latencyMs * 1000)));
        else failed++;
      } catch {
        failed++;
      }
    };
    setTimeout(() => setInterval(poll, 1000), (i * 1000) / ids.length);
  });
  process.on('SIGUSR2', () => {
    latency.reset();
    failed = 0;
  });
  process.on('SIGTERM', () => {
    const ms = (us: number) => (latency.count === 0 ? null : us / 1000);
    writeFileSync(out, JSON.stringify({ count: latency.count, failed, p50Ms: ms(latency.percentile(50)), p99Ms: ms(latency.percentile(99)), maxMs: ms(latency.max) }));
    process.exit(0);
  });
  console.log('probing');
}

async function bench(): Promise<void> {
  const QUICK = process.env.TFTP_ROLLOUT_QUICK === '1';
  const PLAN = QUICK ? { seats: 60, imageMiB: 4 } : { seats: 300, imageMiB: 16 };
  const GOALS = { failures: 0, pollP99Ms: 20 };
  const TFTP = { blksize: 1428, windowsize: 16, timeoutMs: 1000, retries: 8 };
  const secret = randomBytes(32);
  const token = randomBytes(16).toString('hex');

  const dir = await mkdtemp(join(tmpdir(), 'purser-bench-rollout-'));
  const configPath = join(dir, 'config.yaml');
  await writeFile(
    configPath,
    stringify({
      stateDir: join(dir, 'state'),
      http: { host: '127.0.0.1', port: 0 },
      cabin: { secret: secret.toString('hex'), layout: { rows: PROBE_ROWS.at(-1), letters: 'ABC DEF', zones: { J: '1-5', Y: `6-${PROBE_ROWS[0]! - 1}`, P: `${PROBE_ROWS[0]}-${PROBE_ROWS.at(-1)}` } } },
      api: { token },
      pa: { enabled: false },
      tftp: { host: '127.0.0.1', port: 0 },
      commands: { port: 20_000 + Math.floor(Math.random() * 30_000) },
    }),
  );
  const self = new URL(import.meta.url).pathname;
  const child = await spawnReady(process.execPath, ['--import', 'tsx', self, CONTROLLER_FLAG, configPath], {
    ready: /listening on (http:\/\/\S+)/,
    env: { ...process.env, PURSER_LOG_LEVEL: process.env.PURSER_LOG_LEVEL ?? 'warn' },
  });
  const url = child.match[1]!;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  let sim: Simulator | undefined;
  let fw: SimFirmware | undefined;
  const probeOut = join(dir, 'probe.json');
  const probe = await spawnReady(process.execPath, ['--import', 'tsx', self, PROBE_FLAG, url, secret.toString('hex'), probeOut], { ready: /probing/ });
  try {
    const imagePath = join(dir, 'gp3-2.5.0.img');
    await writeFile(imagePath, randomBytes(PLAN.imageMiB * 2 ** 20));
    const put = await fetch(`${url}/api/v1/firmware/gp3/2.5.0`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(await readFile(imagePath)),
    });
    if (put.status !== 201) throw new Error(`import: ${put.status} ${await put.text()}`);

    sim = new Simulator({ controller: url, secret, seats: PLAN.seats });
    fw = new SimFirmware(sim, { controller: url, tftp: TFTP, timing: { verifyMs: 100, flashMs: 500, rebootingMs: 1500, bootMs: 1000 } });
    sim.start();
    console.log(`${PLAN.seats} seats polling; waiting for all to be online`);
    for (;;) {
      const { online } = await api<{ online: number }>('GET', '/api/v1/seats?status=online');
      if (online >= PLAN.seats) break;
      await sleep(250);
    }
    await sleep(2000);

    const before = await scrapeMetrics(url); // also restarts the controller's loop-lag histogram
    sim.resetStats();
    probe.child.kill('SIGUSR2');
    const proc0 = sampleProc(child.pid);
    const gen0 = process.cpuUsage();
    const genLag = measureLoopLag();
    const t0 = performance.now();
    const { rollout } = await api<{ rollout: RolloutDetail }>('POST', '/api/v1/rollouts', {
      model: 'gp3',
      version: '2.5.0',
      target: { zones: ['J', 'Y'] },
      canary: 0,
      batchSize: PLAN.seats,
      maxConcurrent: PLAN.seats,
      retries: 0,
      onGround: true,
    });
    console.log(`rollout ${rollout.id}: ${PLAN.seats} seats fetching ${PLAN.imageMiB} MiB each`);
    let r = rollout;
    while (r.state === 'running') {
      await sleep(1000);
      r = (await api<{ rollout: RolloutDetail }>('GET', `/api/v1/rollouts/${rollout.id}`)).rollout;
      const d = fw.stats().downloads;
      console.log(`  ${((performance.now() - t0) / 1000).toFixed(0)} s: ${d.completed} downloaded, ${r.totals.updated} updated, ${r.totals.failed} failed`);
    }
    const elapsedS = (performance.now() - t0) / 1000;
    const proc1 = sampleProc(child.pid);
    const gen = process.cpuUsage(gen0);
    const lag = genLag.stop();
    const after = await scrapeMetrics(url);
    const polls = sim.stats();
    const dl = fw.stats();
    await probe.stop();
    const probed = JSON.parse(await readFile(probeOut, 'utf8')) as { count: number; failed: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };

    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    const transfers = Object.fromEntries(
      ['completed', 'timeout', 'client-error', 'read-error', 'network-error', 'aborted'].map((o) => [o, delta(`purser_tftp_transfers_total{outcome="${o}"}`)]),
    );
    const figures = {
      quick: QUICK,
      plan: { ...PLAN, tftp: TFTP },
      rollout: { state: r.state, reason: r.reason ?? null, updated: r.totals.updated, failed: r.totals.failed, totalSeconds: round(elapsedS, 1) },
      downloads: {
        completed: dl.downloads.completed,
        failed: dl.downloads.failed,
        aggregateMiBps: round((dl.downloads.bytes / 2 ** 20) / elapsedS, 1),
        p50Seconds: sec(dl.downloads.p50Ms),
        p99Seconds: sec(dl.downloads.p99Ms),
        maxSeconds: sec(dl.downloads.maxMs),
        seatResends: dl.downloads.resent,
        seatFailures: dl.failed,
      },
      server: {
        transfers,
        refused: delta('purser_tftp_refused_total'),
        retransmits: delta('purser_tftp_retransmits_total'),
        tailProbes: delta('purser_tftp_tail_probes_total'),
        /** The TFTP thread's time polling for ACKs instead of sleeping (docs/tftp.md). */
        busyPollSeconds: round(delta('purser_tftp_busy_poll_seconds_total'), 2),
        cpuPercent: round(cpuPercent(proc0, proc1), 1),
        rssMiB: round(proc1.rssBytes / 2 ** 20, 1),
        loopLagP99Ms: round(controllerLoopLagMs(after, 'p99') ?? 0, 2),
        pollHandlingP99Ms: histogramP99Ms(before, after, 'purser_seat_poll_duration_seconds'),
      },
      probePolls: { answered: probed.count, failed: probed.failed, p50Ms: round(probed.p50Ms), p99Ms: round(probed.p99Ms), maxMs: round(probed.maxMs) },
      seatPolls: {
        answered: polls.ok,
        failed: polls.failed,
        errors: polls.errors,
        p50Ms: round(polls.latencyMs.p50, 2),
        p99Ms: round(polls.latencyMs.p99, 2),
        maxMs: round(polls.latencyMs.max, 2),
      },
      generator: { cpuPercent: round(((gen.user + gen.system) / 1000 / (elapsedS * 1000)) * 100, 1), loopLagP99Ms: round(lag.p99Ms, 2) },
    };
    const failures = figures.rollout.failed + figures.downloads.failed + figures.seatPolls.failed + figures.probePolls.failed;
    const pass = { zeroFailures: failures === GOALS.failures && r.state === 'completed', pollP99: (figures.probePolls.p99Ms ?? Infinity) < GOALS.pollP99Ms };

    console.log(`\n${PLAN.seats} seats x ${PLAN.imageMiB} MiB over TFTP (blksize ${TFTP.blksize}, windowsize ${TFTP.windowsize})${QUICK ? ' (quick)' : ''}`);
    console.log(
      formatTable(
        ['', 'value'],
        [
          ['rollout', `${r.state}: ${r.totals.updated} updated, ${r.totals.failed} failed`],
          ['total time, s', show(figures.rollout.totalSeconds)],
          ['downloads completed / failed', `${dl.downloads.completed} / ${dl.downloads.failed}`],
          ['aggregate, MiB/s', show(figures.downloads.aggregateMiBps)],
          ['download p50 / p99 / max, s', `${figures.downloads.p50Seconds} / ${figures.downloads.p99Seconds} / ${figures.downloads.maxSeconds}`],
          ['server retransmits / tail probes', `${figures.server.retransmits} / ${figures.server.tailProbes}`],
          ['seat re-acks (gaps, silences)', figures.downloads.seatResends],
          ['TFTP thread busy polling, s', show(figures.server.busyPollSeconds)],
          ['TFTP transfers by outcome', JSON.stringify(transfers)],
          ['probe poll p50 / p99 / max, ms', `${figures.probePolls.p50Ms} / ${figures.probePolls.p99Ms} / ${figures.probePolls.maxMs}`],
          ['probe polls answered / failed', `${probed.count} / ${probed.failed}`],
          ['rollout seats’ poll p50 / p99 / max, ms', `${figures.seatPolls.p50Ms} / ${figures.seatPolls.p99Ms} / ${figures.seatPolls.maxMs}`],
          ['rollout seats’ polls answered / failed', `${polls.ok} / ${polls.failed}`],
          ['controller poll handling p99, ms (bucket bound)', show(figures.server.pollHandlingP99Ms)],
          ['controller loop lag p99, ms', show(figures.server.loopLagP99Ms)],
          ['controller CPU, % of a core', show(figures.server.cpuPercent)],
          ['generator CPU, % / loop lag p99, ms', `${figures.generator.cpuPercent} / ${figures.generator.loopLagP99Ms}`],
        ],
      ),
    );
    console.log(`\ngoals: zero failures ${pass.zeroFailures ? 'met' : 'MISSED'}, probe poll p99 < ${GOALS.pollP99Ms} ms ${pass.pollP99 ? 'met' : 'MISSED'}`);
    console.log(`wrote ${await writeResults('tftp-rollout', { ...figures, goals: GOALS, pass })}`);
  } finally {
    fw?.stop();
    await sim?.stop();
    await probe.stop();
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function round(n: number | null, digits = 2): number | null {
  return n === null ? null : Number(n.toFixed(digits));
}

function show(n: number | null): string | number {
  return n ?? '-';
}

function sec(ms: number | null): number | null {
  return ms === null ? null : round(ms / 1000, 2);
}

/** The upper bound of the histogram bucket holding the 99th percentile of what was observed between two scrapes. */
function histogramP99Ms(before: Map<string, number>, after: Map<string, number>, name: string): number | null {
  const buckets = [...after.keys()]
    .filter((k) => k.startsWith(`${name}_bucket{`))
    .map((k) => ({ le: Number(/le="([^"]+)"/.exec(k)![1]), n: after.get(k)! - (before.get(k) ?? 0) }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.n ?? 0;
  if (total === 0) return null;
  const hit = buckets.find((b) => b.n >= 0.99 * total)!;
  return Number.isFinite(hit.le) ? hit.le * 1000 : null;
}
