// Seat-command benchmark: the controller, run as its own process (`purser run`),
// and 300 simulated seats in this process, polling at 1 Hz and listening on the
// command multicast group (loopback). Commands to all seats are issued one at a
// time over the API, spaced out, in three phases: no loss, then 5 % and 30 %
// of every datagram copy lost at each seat independently. A quiet process of
// its own (bench/lib/pa-gateway.ts) issues them, as the crew's panel on its own
// box would, and hears them as one more seat on its own box. Per command:
//   - receive: from just before `POST /api/v1/commands` to each seat applying
//     the verified datagram, and to the quiet seat (one clock, CLOCK_MONOTONIC;
//     the 300 seats here share one event loop with the load, real seats do not);
//   - time until all 300 seats have applied it (by datagram or by poll);
//   - time until the controller reports all 300 acknowledged (its
//     `command.delivered` event on GET /api/v1/events, seen here).
// Seats acknowledge in their next poll, so the last two are set by the poll
// phase: the target is 100 % acknowledged within two poll intervals.
// This process runs at nice 10 (COMMANDS_BENCH_NICE=0: not): its seats stand
// for 300 boxes and must not take a core from the controller or the quiet seat.
// COMMANDS_BENCH_QUICK=1 runs fewer commands. Writes bench/results/commands.json.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandBody } from '../protocols/seat-command/types.js';
import { Simulator } from '../src/sim/simulator.js';
import { startController, type RunningController } from './lib/controller.js';
import { monoMs, startPaGateway, type PaGateway } from './lib/pa-gateway.js';
import { measureLoopLag } from './lib/loop-lag.js';
import { percentile } from './lib/percentile.js';
import { controllerLoopLagMs, scrapeMetrics } from './lib/prometheus.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { writeResults } from './lib/results.js';
import { formatTable } from './lib/table.js';
import { seededRandom } from '../core/random.js';

const QUICK = process.env.COMMANDS_BENCH_QUICK === '1';
const SEATS = 300;
const POLL_INTERVAL_MS = 1000;
const PHASES: readonly Phase[] = [
  { name: 'no loss', loss: 0, commands: QUICK ? 40 : 200, spacingMs: 75 },
  { name: '5 % loss', loss: 0.05, commands: QUICK ? 20 : 100, spacingMs: 100 },
  { name: '30 % loss', loss: 0.3, commands: QUICK ? 20 : 100, spacingMs: 100 },
];
const PLAN = { seats: SEATS, pollIntervalMs: POLL_INTERVAL_MS, warmupCommands: QUICK ? 40 : 100, phases: PHASES, settleTimeoutMs: 10_000 };
const GOALS = { receiveP99Ms: 5, allAckedWithinMs: 2 * POLL_INTERVAL_MS };

interface Phase {
  name: string;
  /** Probability each seat loses each datagram copy. */
  loss: number;
  commands: number;
  /** One command is issued every spacingMs (or as soon as the previous POST returns, if later). */
  spacingMs: number;
}

/** monoMs() - performance.now(): both are CLOCK_MONOTONIC, this process's origin apart. */
const MONO_TO_PERF = monoMs() - performance.now();

interface Issued {
  seq: number;
  cmd: string;
  /** performance.now() (this process's clock) of the instant the quiet process began the POST. */
  t0: number;
  /** The same instant as monoMs(), the clock the quiet receiver reports in. */
  mono0: number;
  postMs: number;
}

interface Applied {
  at: number;
  via: 'multicast' | 'poll';
}

interface Spread {
  count: number;
  min: number | null;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

const round = (n: number | null, digits = 2) => (n === null || Number.isNaN(n) ? null : Number(n.toFixed(digits)));
function spread(values: readonly number[], digits = 2): Spread {
  if (values.length === 0) return { count: 0, min: null, p50: null, p99: null, max: null };
  return { count: values.length, min: round(Math.min(...values), digits), p50: round(percentile(values, 50), digits), p99: round(percentile(values, 99), digits), max: round(Math.max(...values), digits) };
}

/** A mix seats apply without side effects beyond what they show: no reboot, PA or firmware. */
function commandFor(i: number): { cmd: string; args: Record<string, unknown> } {
  switch (i % 6) {
    case 0:
      return { cmd: 'volume.cap', args: { max: (i * 7) % 11 } };
    case 1:
      return { cmd: 'message.show', args: { text: `bench message ${i}`, level: 'info' } };
    case 2:
      return { cmd: 'media.pause', args: {} };
    case 3:
      return { cmd: 'media.resume', args: {} };
    case 4:
      return { cmd: 'seat.lock', args: { reason: 'bench' } };
    default:
      return { cmd: 'seat.unlock', args: { reason: 'bench' } };
  }
}

/**
 * Follows GET /api/v1/events and calls `onDelivered` when the controller
 * reports a command acknowledged by every seat it targets.
 */
async function watchDeliveries(
  url: string,
  token: string,
  onDelivered: (seq: number, at: number, controllerElapsedMs: number) => void,
): Promise<{ stop(): void }> {
  const ac = new AbortController();
  const res = await fetch(new URL('/api/v1/events', url), { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: ac.signal });
  if (!res.ok || !res.body) throw new Error(`GET /api/v1/events: ${res.status}`);
  const reader = res.body.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const at = performance.now();
        buf += decoder.decode(value, { stream: true });
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (!frame.startsWith('event: cabin\n') || !frame.includes('"command.delivered"')) continue;
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          const ev = JSON.parse(data.slice(6)) as { type: string; seq: number; elapsedMs: number };
          if (ev.type === 'command.delivered') onDelivered(ev.seq, at, ev.elapsedMs);
        }
      }
    } catch (err) {
      if (!ac.signal.aborted) console.error(`events stream failed: ${(err as Error).message}`);
    }
  })();
  return { stop: () => ac.abort() };
}

/** Whole-machine CPU time by kind, from the first line of /proc/stat (in ticks). */
function machineTicks(): { busy: number; steal: number; total: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq!;
  return { busy, steal: steal ?? 0, total: busy + idle! + iowait! + (steal ?? 0) };
}

/** How busy the machine was between two samples: % of all its cores, and % stolen by the hypervisor. */
function machineLoad(from: ReturnType<typeof machineTicks>, to: ReturnType<typeof machineTicks>) {
  const total = to.total - from.total;
  return total > 0 ? { busyPercent: round(((to.busy - from.busy) / total) * 100, 1), stealPercent: round(((to.steal - from.steal) / total) * 100, 1) } : null;
}

const secret = randomBytes(32);
const token = randomBytes(16).toString('hex');
const commandPort = 20_000 + Math.floor(Math.random() * 30_000);
const COMMAND_GROUP = '239.255.10.1';

/** What this process sees of each command. */
const applied = new Map<number, Map<string, Applied>>();
/** When each seat first heard a copy of a seq (seats missing here lost every copy). */
const heardAt = new Map<number, Map<string, number>>();
/** When the cabin's one receiver handed each verified copy of a seq to the seats. */
const copiesAt = new Map<number, number[]>();
/** Controller wall clock at issue (the body's `at`) to the receiver's first copy, in whole ms. */
const wallLagAt = new Map<number, number>();
const delivered = new Map<number, { at: number; controllerElapsedMs: number }>();
let duplicates = 0;
const otherResults: Record<string, number> = {};
let currentLoss = 0;
let multicastReceiverStats: ReturnType<Simulator['multicastStats']>;

async function main(): Promise<void> {
  const started = performance.now();
  const controller = await startController({
    cabin: { secret: secret.toString('hex'), pollIntervalMs: POLL_INTERVAL_MS },
    api: { token },
    commands: { group: COMMAND_GROUP, port: commandPort },
    multicast: { interface: '127.0.0.1', ttl: 1 },
    pa: { enabled: false },
    tftp: { enabled: false },
  });
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${controller.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  let quiet: PaGateway;
  try {
    quiet = await startPaGateway({ controller: controller.url, commands: { group: COMMAND_GROUP, port: commandPort }, hear: 'all' });
  } catch (err) {
    await controller.stop();
    throw err;
  }
  if (process.env.COMMANDS_BENCH_NICE !== '0') setPriority(10);
  // Every draw of the seats' random() is a datagram-loss decision (poll drop is off):
  // remembering the last one tells, per seat and seq, whether any copy got through.
  const rng = seededRandom(0x5eed);
  let draw: number | undefined;
  let sim: Simulator;
  try {
    sim = new Simulator({
    controller: controller.url,
    secret,
    seats: SEATS,
    random: () => (draw = rng()),
    commands: { group: COMMAND_GROUP, port: commandPort, interface: '127.0.0.1' },
    });
  } catch (err) {
    await quiet.stop();
    await controller.stop();
    throw err;
  }
  // The cabin's receiver hands each copy to the seats in order: the first seat's call marks a copy.
  const firstSeat = sim.players[0]!;
  for (const p of sim.players) {
    const hear = p.hearDatagram.bind(p);
    p.hearDatagram = (body: CommandBody) => {
      const now = performance.now();
      if (p === firstSeat) {
        const copies = copiesAt.get(body.seq);
        if (copies) copies.push(now);
        else {
          copiesAt.set(body.seq, [now]);
          wallLagAt.set(body.seq, Date.now() - body.at);
        }
      }
      draw = undefined;
      hear(body);
      if (draw === undefined || draw >= currentLoss) {
        let seats = heardAt.get(body.seq);
        if (!seats) heardAt.set(body.seq, (seats = new Map()));
        if (!seats.has(p.seat)) seats.set(p.seat, now);
      }
    };
  }
  const sub = sim.events$.subscribe((e) => {
    if (e.type !== 'command' || e.seq === undefined) return;
    const at = performance.now();
    if (e.result !== 'applied') {
      otherResults[e.result] = (otherResults[e.result] ?? 0) + 1;
      return;
    }
    let bySeat = applied.get(e.seq);
    if (!bySeat) applied.set(e.seq, (bySeat = new Map()));
    if (bySeat.has(e.seat)) duplicates++;
    else bySeat.set(e.seat, { at, via: e.via ?? 'poll' });
  });
  let watch: { stop(): void } | undefined;
  try {
    watch = await watchDeliveries(controller.url, token, (seq, at, controllerElapsedMs) => delivered.set(seq, { at, controllerElapsedMs }));
    sim.start();
    await sim.joined();
    console.log(`${SEATS} seats polling and joined ${COMMAND_GROUP}:${commandPort} on 127.0.0.1; waiting for every seat's first answer`);
    const ready = performance.now() + 30_000;
    for (;;) {
      const { online } = await api<{ online: number }>('GET', '/api/v1/seats?status=online');
      if (online >= SEATS && sim.players.every((p) => p.model.zone !== undefined)) break;
      if (performance.now() > ready) throw new Error(`only ${online} seats online after 30 s`);
      await sleep(250);
    }

    // A controller that has been up a while has its command path compiled: the
    // first commands after a start are slower (reported apart, as warmUp).
    const warmUp = await runPhase(sim, controller, quiet, { name: 'warm-up', loss: 0, commands: PLAN.warmupCommands, spacingMs: 75 });
    console.log(`  warm-up: ${warmUp.commands} commands, quiet receiver p50/p99/max ${warmUp.quietReceiverMs.p50}/${warmUp.quietReceiverMs.p99}/${warmUp.quietReceiverMs.max} ms`);
    const phases = [];
    for (const phase of PHASES) {
      const r = await runPhase(sim, controller, quiet, phase);
      phases.push(r);
      const a = r.allAcked;
      console.log(
        `  ${phase.name}: ${r.commands} commands, receive p50/p99/max ${r.receive.p50}/${r.receive.p99}/${r.receive.max} ms, ` +
          `all applied max ${r.allApplied.max} ms, all acked p50/p99/max ${a.p50}/${a.p99}/${a.max} ms (${r.ackedComplete}/${r.commands} complete)`,
      );
    }
    multicastReceiverStats = sim.multicastStats();
    report(phases, performance.now() - started);
    const path = await writeResults('commands', {
      quick: QUICK,
      plan: PLAN,
      goals: GOALS,
      pass: passOf(phases),
      warmUp: { commands: warmUp.commands, postMs: warmUp.postMs, quietReceiverMs: warmUp.quietReceiverMs, receive: warmUp.receive },
      phases,
      multicastReceiver: multicastReceiverStats,
      durationS: round((performance.now() - started) / 1000, 0),
    });
    console.log(`wrote ${path}`);
  } finally {
    sub.unsubscribe();
    watch?.stop();
    await sim.stop();
    await quiet.stop();
    await controller.stop();
  }
}

type PhaseResult = Awaited<ReturnType<typeof runPhase>>;

async function runPhase(sim: Simulator, controller: RunningController, quiet: PaGateway, phase: Phase) {
  currentLoss = phase.loss;
  sim.act('all', { do: 'lose-datagrams', probability: phase.loss });
  await sleep(POLL_INTERVAL_MS); // every seat polls once with the new setting in place
  const metrics0 = await scrapeMetrics(controller.url); // also restarts the controller's loop-lag histogram
  sim.resetStats();
  const proc0 = sampleProc(controller.pid);
  const machine0 = machineTicks();
  const gen0 = process.cpuUsage();
  const genLag = measureLoopLag();
  const t0 = performance.now();

  const issued: Issued[] = [];
  const getMs: number[] = [];
  for (let i = 0; i < phase.commands; i++) {
    const wait = t0 + i * phase.spacingMs - performance.now();
    if (wait > 0) await sleep(wait);
    const { cmd, args } = commandFor(i);
    // The quiet process posts it, as the crew's panel on its own box would, and times it.
    const c = await quiet.issue(token, { target: { all: true }, cmd, args });
    issued.push({ seq: c.seq, cmd, t0: c.sentAt - MONO_TO_PERF, mono0: c.sentAt, postMs: c.postMs });
    getMs.push(c.getMs);
  }
  // Until every command is applied by every seat and reported delivered, or the time is up.
  const deadline = performance.now() + PLAN.settleTimeoutMs;
  const done = () => issued.every((c) => delivered.has(c.seq) && (applied.get(c.seq)?.size ?? 0) >= SEATS);
  while (!done() && performance.now() < deadline) await sleep(50);

  const elapsedMs = performance.now() - t0;
  const proc1 = sampleProc(controller.pid);
  const machine = machineLoad(machine0, machineTicks());
  const gen = process.cpuUsage(gen0);
  const lag = genLag.stop();
  const metrics1 = await scrapeMetrics(controller.url);
  const polls = sim.stats();

  const receive: number[] = [];
  const receiverFirst: number[] = [];
  const heardByQuiet = new Map(quiet.heardAfter(issued[0] ? issued[0].seq - 1 : 0).map((h) => [h.seq, h.at]));
  const quietReceiver: number[] = [];
  const wallLag: number[] = [];
  const fanOut: number[] = [];
  const allApplied: number[] = [];
  const allAcked: number[] = [];
  const controllerElapsed: number[] = [];
  /** Datagram-applied seat-commands by the copy that carried them (1st, 2nd, 3rd). */
  const byCopy = [0, 0, 0];
  const via = { multicast: 0, poll: 0, pollLostEveryCopy: 0, pollHeldBehindGap: 0, pollBeforeDatagram: 0 };
  let appliedComplete = 0;
  for (const c of issued) {
    const seats = applied.get(c.seq) ?? new Map<string, Applied>();
    const heard = heardAt.get(c.seq);
    const copies = copiesAt.get(c.seq) ?? [];
    for (const [seat, a] of seats) {
      if (a.via === 'multicast') {
        via.multicast++;
        receive.push(a.at - c.t0);
        // The copy that carried it: the last one handed over before the seat applied it.
        const k = copies.findLastIndex((t) => t <= a.at);
        if (k >= 0) {
          byCopy[Math.min(k, 2)]!++;
          fanOut.push(a.at - copies[k]!);
        }
      } else {
        via.poll++;
        const h = heard?.get(seat);
        if (h === undefined) via.pollLostEveryCopy++;
        else if (h <= a.at) via.pollHeldBehindGap++;
        else via.pollBeforeDatagram++;
      }
    }
    if (copies.length > 0) receiverFirst.push(copies[0]! - c.t0);
    const q = heardByQuiet.get(c.seq);
    if (q !== undefined) quietReceiver.push(q - c.mono0);
    const w = wallLagAt.get(c.seq);
    if (w !== undefined) wallLag.push(w);
    if (seats.size >= SEATS) {
      appliedComplete++;
      allApplied.push(Math.max(...[...seats.values()].map((a) => a.at)) - c.t0);
    }
    const d = delivered.get(c.seq);
    if (d) {
      allAcked.push(d.at - c.t0);
      controllerElapsed.push(d.controllerElapsedMs);
    }
  }
  const overTarget = allAcked.filter((ms) => ms >= GOALS.allAckedWithinMs).length;
  return {
    name: phase.name,
    loss: phase.loss,
    commands: issued.length,
    spacingMs: phase.spacingMs,
    seqs: [issued[0]?.seq ?? null, issued.at(-1)?.seq ?? null],
    /** POST round trip: validate, commit (fsync), first datagram copy, answer. */
    postMs: spread(issued.map((c) => c.postMs)),
    /** GET /api/v1/layout round trip after each POST: HTTP on loopback, nothing else. */
    getLayoutMs: spread(getMs),
    /** Before the POST to a seat applying the datagram, per seat per command, datagram-applied only. */
    receive: spread(receive),
    /** Before the POST to the cabin's receiver handing the first verified copy to the seats. */
    receiverFirstMs: spread(receiverFirst),
    /** Before the POST to the quiet receiver (a process of its own, no load) verifying the first copy: a seat on its own box. */
    quietReceiverMs: spread(quietReceiver),
    /** The controller's `at` (taken in the handler, before the commit) to the receiver's first copy: wall clock, whole ms. */
    issueToReceiverWallMs: spread(wallLag, 0),
    /** Per seat: the receiver handing over the copy to that seat applying it (this process's fan-out over 300 seats). */
    fanOutMs: spread(fanOut, 3),
    appliedByCopy: { first: byCopy[0]!, second: byCopy[1]!, third: byCopy[2]! },
    appliedVia: via,
    /** Per command: before the POST to the last of the 300 seats applying it. */
    allApplied: spread(allApplied, 1),
    appliedComplete,
    /** Per command: before the POST to this process seeing the controller's command.delivered (all 300 acknowledged). */
    allAcked: spread(allAcked, 1),
    ackedComplete: allAcked.length,
    ackedAtOrOverTarget: overTarget,
    /** The controller's own elapsedMs in command.delivered: from its commit to the last ack, on its clock. */
    controllerDeliveredMs: spread(controllerElapsed, 1),
    datagramCopies: polls.datagrams,
    polls: { ok: polls.ok, failed: polls.failed, errors: polls.errors, p50Ms: round(polls.latencyMs.p50), p99Ms: round(polls.latencyMs.p99), maxMs: round(polls.latencyMs.max) },
    controller: {
      cpuPercent: round(cpuPercent(proc0, proc1), 1),
      rssMiB: round(proc1.rssBytes / 2 ** 20, 1),
      loopLagP99Ms: round(controllerLoopLagMs(metrics1, 'p99')),
      loopLagMaxMs: round(controllerLoopLagMs(metrics1, 'max')),
      cabinEvents: (metrics1.get('purser_cabin_events_total{type="command.delivered"}') ?? 0) - (metrics0.get('purser_cabin_events_total{type="command.delivered"}') ?? 0),
    },
    generator: {
      cpuPercent: round(((gen.user + gen.system) / 1000 / elapsedMs) * 100, 1),
      loopLagP99Ms: round(lag.p99Ms),
      loopLagMaxMs: round(lag.maxMs),
    },
    /** The whole machine meanwhile (other engineers' work included): busy and hypervisor-stolen, % of all cores. */
    machine,
    durationS: round(elapsedMs / 1000, 1),
  };
}

function passOf(phases: PhaseResult[]) {
  const noLoss = phases.find((p) => p.loss === 0)!;
  const ackedInTime = (p: PhaseResult) => p.ackedComplete === p.commands && p.ackedAtOrOverTarget === 0;
  return {
    receiveP99: noLoss.receive.p99 !== null && noLoss.receive.p99 < GOALS.receiveP99Ms,
    quietReceiverP99: noLoss.quietReceiverMs.p99 !== null && noLoss.quietReceiverMs.p99 < GOALS.receiveP99Ms,
    allAckedInTwoPolls: Object.fromEntries(phases.map((p) => [p.name, ackedInTime(p)])) as Record<string, boolean>,
    nothingLostOrDuplicated: duplicates === 0 && Object.keys(otherResults).length === 0 && phases.every((p) => p.appliedComplete === p.commands),
  };
}

function report(phases: PhaseResult[], totalMs: number): void {
  const s = (x: Spread) => `${x.min ?? '-'} / ${x.p50 ?? '-'} / ${x.p99 ?? '-'} / ${x.max ?? '-'}`;
  const col = (f: (p: PhaseResult) => string | number) => phases.map(f);
  console.log(`\n${SEATS} seats, poll interval ${POLL_INTERVAL_MS} ms, commands to all seats${QUICK ? ' (quick)' : ''}; ms as min / p50 / p99 / max over seat-commands or commands`);
  console.log(
    formatTable(
      ['', ...phases.map((p) => p.name)],
      [
        ['commands (spacing ms)', ...col((p) => `${p.commands} (${p.spacingMs})`)],
        ['POST round trip', ...col((p) => s(p.postMs))],
        ['GET /api/v1/layout round trip (floor)', ...col((p) => s(p.getLayoutMs))],
        ['controller at -> receiver (wall, whole ms)', ...col((p) => s(p.issueToReceiverWallMs))],
        ['POST -> receiver has 1st copy', ...col((p) => s(p.receiverFirstMs))],
        ['POST -> quiet receiver (own process) has it', ...col((p) => s(p.quietReceiverMs))],
        ['POST -> seat applied datagram', ...col((p) => s(p.receive))],
        ['  seat-commands by datagram: copy 1/2/3', ...col((p) => `${p.appliedByCopy.first}/${p.appliedByCopy.second}/${p.appliedByCopy.third}`)],
        ['  receiver -> seat (fan-out in this process)', ...col((p) => s(p.fanOutMs))],
        ['applied by poll: lost every copy', ...col((p) => p.appliedVia.pollLostEveryCopy)],
        ['applied by poll: held behind a gap', ...col((p) => p.appliedVia.pollHeldBehindGap)],
        ['applied by poll: poll beat datagram', ...col((p) => p.appliedVia.pollBeforeDatagram)],
        ['POST -> all 300 applied', ...col((p) => s(p.allApplied))],
        ['POST -> all 300 acked (delivered event)', ...col((p) => s(p.allAcked))],
        [`acked: complete / at or over ${GOALS.allAckedWithinMs} ms`, ...col((p) => `${p.ackedComplete} / ${p.ackedAtOrOverTarget}`)],
        ['controller: issue -> delivered (its clock)', ...col((p) => s(p.controllerDeliveredMs))],
        ['datagram copies heard / lost', ...col((p) => `${p.datagramCopies.heard} / ${p.datagramCopies.lost}`)],
        ['polls ok / failed, p99 ms', ...col((p) => `${p.polls.ok} / ${p.polls.failed}, ${p.polls.p99Ms}`)],
        ['controller CPU %, loop lag p99 / max ms', ...col((p) => `${p.controller.cpuPercent}, ${p.controller.loopLagP99Ms} / ${p.controller.loopLagMaxMs}`)],
        ['generator CPU %, loop lag p99 / max ms', ...col((p) => `${p.generator.cpuPercent}, ${p.generator.loopLagP99Ms} / ${p.generator.loopLagMaxMs}`)],
        ['machine busy / stolen, % of all cores', ...col((p) => (p.machine ? `${p.machine.busyPercent} / ${p.machine.stealPercent}` : '-'))],
      ],
    ),
  );
  const pass = passOf(phases);
  const rx = multicastReceiverStats;
  const rejected = rx ? Object.values(rx.rejected).reduce((a, b) => a + b, 0) : '-';
  console.log(`\nduplicates ${duplicates}, other results ${JSON.stringify(otherResults)}, datagrams refused by the receiver ${rejected}, ${round(totalMs / 1000, 0)} s in all`);
  console.log(
    `goals: receive p99 < ${GOALS.receiveP99Ms} ms at the simulated seats ${pass.receiveP99 ? 'met' : 'MISSED'}, ` +
      `at the quiet receiver ${pass.quietReceiverP99 ? 'met' : 'MISSED'}; ` +
      phases.map((p) => `all acked < ${GOALS.allAckedWithinMs} ms at ${p.name} ${pass.allAckedInTwoPolls[p.name] ? 'met' : 'MISSED'}`).join('; '),
  );
}

await main();
