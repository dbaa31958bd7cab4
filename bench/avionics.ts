/**
 * npm run bench:avionics: 10,000 ARINC 429 words a second through a real pty
 * into a real controller process (`purser run`, avionics on), for
 * BENCH_SECONDS (default 60; 20 on a loaded machine). Reports words lost
 * (sent by the "adapter" vs counted by the controller), the controller's
 * event-loop lag p99 and CPU, and the weight-on-wheels change to gating
 * decision latency as an API client sees it (GET /api/v1/flight polled
 * every 5 ms around each change). Writes bench/results/avionics.json.
 */
import { loadavg } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { DEFAULT_RATES, ArincTransmitter, atTheGate, type AirState } from '../src/sim/avionics/arinc-transmitter.js';
import { PtyPair } from '../src/sim/avionics/pty-pair.js';
import { startController } from './lib/controller.js';
import { measureLoopLag } from './lib/loop-lag.js';
import { percentile } from './lib/percentile.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { controllerLoopLagMs, scrapeMetrics } from './lib/prometheus.js';
import { writeResults } from './lib/results.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WORDS_PER_S = 10_000;
const TOKEN = 'bench-token-0123456789abcdef';

const air: AirState = atTheGate();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'purser-bench-avionics-'));
  const pty = new PtyPair(join(dir, 'adc'), join(dir, 'adc-far'));
  await pty.start();
  const ctl = await startController({
    api: { token: TOKEN },
    pa: { enabled: false },
    tftp: { host: '127.0.0.1', port: 0 },
    avionics: { enabled: true, ports: [{ id: 'adc', path: pty.a, baudRate: 921600, framing: 'binary-sync' }] },
  });
  const far = await new Promise<SerialPort>((resolve, reject) => {
    const p = new SerialPort({ path: pty.b, baudRate: 921600, lock: false }, (err) => (err ? reject(err) : resolve(p)));
  });
  let writeErrors = 0;
  far.on('error', () => writeErrors++);
  const total = Object.values(DEFAULT_RATES).reduce((a, b) => a + (b ?? 0), 0);
  const rates = Object.fromEntries(Object.entries(DEFAULT_RATES).map(([k, v]) => [k, ((v ?? 0) * WORDS_PER_S) / total]));
  const tx = new ArincTransmitter({ state: () => ({ ...air, utcMs: Date.now() }), write: (b) => void far.write(b), rates, tickMs: 10 });
  const flight = async () => {
    const res = await fetch(`${ctl.url}/api/v1/flight`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return (await res.json()) as { gate: { rollout: { allowed: boolean } }; counters: { words: number; decoded: number; framingErrors: number }; phase: { phase: string } };
  };
  const waitGate = async (open: boolean, timeoutMs: number): Promise<number | null> => {
    const t0 = performance.now();
    while (performance.now() - t0 < timeoutMs) {
      if ((await flight()).gate.rollout.allowed === open) return performance.now();
      await sleep(5);
    }
    return null;
  };

  try {
    tx.start();
    if ((await waitGate(true, 15_000)) === null) throw new Error(`the controller never reached the gate: ${JSON.stringify(await flight())}`);
    const wordsAtStart = tx.words;
    await scrapeMetrics(ctl.url); // resets prom-client's loop-lag histogram: what follows is the run
    const cpu0 = sampleProc(ctl.pid);
    const ownLag = measureLoopLag();
    const closing: number[] = [];
    const reopening: number[] = [];
    const start = performance.now();
    while (performance.now() - start < SECONDS * 1000) {
      await sleep(1500);
      // Weight off wheels: from the write of the first word that says so, to the API refusing a rollout.
      air.discretes270 = 0b10;
      const t0 = performance.now();
      tx.burst();
      const closed = await waitGate(false, 2000);
      if (closed !== null) closing.push(closed - t0);
      await sleep(500);
      air.discretes270 = 0b11;
      const t1 = performance.now();
      tx.burst();
      const open = await waitGate(true, 10_000);
      if (open !== null) reopening.push(open - t1);
    }
    const elapsedS = (performance.now() - start) / 1000;
    const cpu1 = sampleProc(ctl.pid);
    const lag = await scrapeMetrics(ctl.url);
    const own = ownLag.stop();
    tx.stop();
    await new Promise<void>((r) => far.drain(() => r()));
    await sleep(1000);
    const counted = (await flight()).counters;
    const sent = tx.words - wordsAtStart;
    const figures = {
      seconds: Math.round(elapsedS),
      load: 'measured on a shared 2-core machine under load (see machine.loadavg)',
      wordsPerSecond: Math.round(sent / elapsedS),
      wordsSent: tx.words,
      wordsCounted: counted.words,
      decoded: counted.decoded,
      framingErrors: counted.framingErrors,
      lost: tx.words - counted.words,
      writeErrors,
      controllerLoopLagP99Ms: controllerLoopLagMs(lag, 'p99'),
      controllerLoopLagMaxMs: controllerLoopLagMs(lag, 'max'),
      controllerCpuPercent: Math.round(cpuPercent(cpu0, cpu1) * 10) / 10,
      controllerRssMb: Math.round(cpu1.rssBytes / 1e6),
      benchLoopLagP99Ms: Math.round(own.p99Ms * 10) / 10,
      weightOffToGateClosedMs: { n: closing.length, p50: percentile(closing, 50), p99: percentile(closing, 99), max: Math.max(...closing) },
      weightOnToGateOpenMs: { n: reopening.length, p50: percentile(reopening, 50), max: Math.max(...reopening), note: 'includes the 50 ms debounce and the 3 s ground confirmation, by design' },
      loadavgAtEnd: loadavg(),
    };
    console.log(JSON.stringify(figures, null, 2));
    console.log(`results: ${await writeResults('avionics', figures)}`);
  } finally {
    tx.stop();
    await new Promise<void>((r) => (far.isOpen ? far.close(() => r()) : r()));
    await ctl.stop();
    await pty.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
