// Content benchmark (docs/content.md, "Benchmark"), at the sizes by default:
//   (a) verified ingest of CONTENT_BENCH_INGEST_MB (1024) in many files, against `cp -r` then `sha256sum`
//       of the same data in the same run; the controller's event-loop lag p99 and the poll p99 of
//       CONTENT_BENCH_SEATS (300) seats while it runs;
//   (b) the seats fetching a catalog change of CONTENT_BENCH_FETCH_MB (256) over HTTP Range with 5
//       forced disconnects per seat: total time, poll p99, bytes fetched again.
// CONTENT_BENCH_QUICK=1 shrinks everything (32 MiB, 4 MiB, 30 seats) to check the bench works; it writes no results.
// The controller runs in this process (the ingest is driven through its content capability), so the loop lag
// measured is the controller's. The seats run in CONTENT_BENCH_SEAT_PROCESSES (2) processes of their own
// (bench/lib/seat-load.ts), so their polling and hashing are not in that loop. On the aircraft each seat is a
// computer of its own; here those processes share the controller's cores, so they run at nice
// CONTENT_BENCH_SEAT_NICE (10), and the poll p99 reported is that of CONTENT_BENCH_PROBE_SEATS (10) more seats
// in a process of their own at normal priority that poll and download nothing else: what a seat whose own CPU
// is free sees of the controller. The 300 loaded seats' own poll p99 is reported beside it.
// Writes bench/results/content.json.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPairSync } from 'node:crypto';
import { validateConfig } from '../src/app/config.js';
import { Controller } from '../src/app/controller.js';
import { commandsFeature } from '../src/commands/feature.js';
import { contentFeature } from '../src/content/feature.js';
import { ingestDrive } from '../src/content/ingest.js';
import { pack } from '../src/content/pack.js';
import { ContentWorkers } from '../src/content/workers.js';
import { createLogger } from '../src/core/log.js';
import { seatIdAt } from '../src/sim/layout.js';
import { measureLoopLag } from './lib/loop-lag.js';
import { writeResults } from './lib/results.js';
import { SeatLoad } from './lib/seat-load.js';

const QUICK = process.env.CONTENT_BENCH_QUICK === '1';
const INGEST_MB = Number(process.env.CONTENT_BENCH_INGEST_MB ?? (QUICK ? 32 : 1024));
const FETCH_MB = Number(process.env.CONTENT_BENCH_FETCH_MB ?? (QUICK ? 4 : 256));
const SEATS = Number(process.env.CONTENT_BENCH_SEATS ?? (QUICK ? 30 : 300));
const SEAT_PROCESSES = Number(process.env.CONTENT_BENCH_SEAT_PROCESSES ?? 2);
const SEAT_NICE = Number(process.env.CONTENT_BENCH_SEAT_NICE ?? 10);
const PROBE_SEATS = Number(process.env.CONTENT_BENCH_PROBE_SEATS ?? 10);
/** content.maxTransfers: files sent to seats at once (the controller's default, 32, unless set). */
const MAX_TRANSFERS = process.env.CONTENT_BENCH_MAX_TRANSFERS ? Number(process.env.CONTENT_BENCH_MAX_TRANSFERS) : undefined;
// 300 seats x 256 MiB is 75 GiB hashed by the seats: allow for a slow, shared machine.
const FETCH_TIMEOUT_S = Number(process.env.CONTENT_BENCH_FETCH_TIMEOUT_S ?? 3600);
const DISCONNECTS = 5;
const MiB = 1024 * 1024;
const round = (n: number | null | undefined, d = 2) => (n === null || n === undefined ? null : Math.round(n * 10 ** d) / 10 ** d);

async function makeTree(dir: string, totalMb: number, prefix: string): Promise<number> {
  // Many files: a few large "movies", many mid-sized "magazines" and small "newspapers".
  const sizes: number[] = [];
  let left = totalMb * MiB;
  const plan = [0.6 * left, 0.3 * left, 0.1 * left];
  const each = [32 * MiB, 2 * MiB, 200 * 1024];
  const folders = ['movies', 'magazines', 'newspapers'];
  let count = 0;
  for (let k = 0; k < 3; k++) {
    let budget = plan[k]!;
    await mkdir(join(dir, folders[k]!), { recursive: true });
    while (budget > 0) {
      const size = Math.min(each[k]!, budget);
      await writeFile(join(dir, folders[k]!, `${prefix}-${count++}.bin`), randomBytes(Math.round(size)));
      sizes.push(size);
      budget -= size;
    }
  }
  left = 0;
  return count;
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'purser-bench-content-'));
  const keys = generateKeyPairSync('ed25519');
  const rawPublic = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64');
  const secretHex = randomBytes(32).toString('hex');
  const secret = Buffer.from(secretHex, 'hex');
  let server: import('node:http').Server | undefined;
  // A probe feature: its route plugin sees the HTTP server, so bytes written on its sockets can be counted.
  const probe = { name: 'bench-probe', setup: () => ({ routes: [async (app: { server: import('node:http').Server }) => void (server = app.server)] }) };
  const features = [commandsFeature(), contentFeature(), probe as never];
  const { config, layout } = validateConfig(
    { stateDir: join(root, 'state'), http: { host: '127.0.0.1', port: 0 }, cabin: { secret: secretHex, layout: { rows: Math.ceil((SEATS + PROBE_SEATS) / 6), letters: 'ABC DEF', zones: { Y: `1-${Math.ceil((SEATS + PROBE_SEATS) / 6)}` } } }, content: { enabled: false, publicKey: rawPublic, spareBytes: 0, ...(MAX_TRANSFERS !== undefined ? { maxTransfers: MAX_TRANSFERS } : {}) }, pa: { enabled: false }, tftp: { enabled: false } },
    { features },
  );
  await mkdir(join(root, 'state'), { recursive: true });
  const controller = new Controller(config, layout, createLogger('warn'), features);
  await controller.start();
  await controller.whenStarted();
  const content = controller.ctx.need('content');
  const workers = new ContentWorkers({ maxThreads: 2, idleTimeoutMs: 60_000 });
  // The first SEATS seats of the default layout, as the simulator would take them.
  const seatIds = Array.from({ length: SEATS }, (_, i) => seatIdAt(i));
  let load: SeatLoad | undefined;
  let probeLoad: SeatLoad | undefined;
  const sockets = new Set<Socket>();
  let written = 0;
  try {
    load = await SeatLoad.start({ controller: controller.url, secret, seatIds, shares: SEAT_PROCESSES, nice: SEAT_NICE });
    await load.addSeats(SEATS);
    probeLoad = await SeatLoad.start({ controller: controller.url, secret, seatIds: Array.from({ length: PROBE_SEATS }, (_, i) => seatIdAt(SEATS + i)), firstIndex: SEATS, shares: 1 });
    await probeLoad.addSeats(PROBE_SEATS);
    for (let i = 0; i < 100 && controller.ctx.registry.onlineCount() < SEATS + PROBE_SEATS; i++) await sleep(100);
    const probe = probeLoad;
    /** A window of both loads: the probe's figures and the loaded seats'. */
    const bothWindows = async () => {
      const [seats, probes] = await Promise.all([load!.startWindow(), probe.startWindow()]);
      return { end: async () => ({ seats: await seats.end(), probe: await probes.end() }) };
    };
    console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${SEATS} seats online: ${controller.ctx.registry.onlineCount()}`);

    // Baseline: the same seats, no ingest, no transfers, for 5 s: what the machine gives us before any content work.
    const lag0 = measureLoopLag();
    const idleBoth = await bothWindows();
    await sleep(5000);
    const { seats: idleWindow, probe: idleProbe } = await idleBoth.end();
    const idleLag = lag0.stop();
    const idle = { loopLagP99Ms: round(idleLag.p99Ms), pollP99Ms: round(idleProbe.latencyMs.p99), loadSeatsPollP99Ms: round(idleWindow.latencyMs.p99), seatProcessesLoopLagP99Ms: round(idleWindow.loopLag.p99Ms) };
    console.log(`idle: loop lag p99 ${idle.loopLagP99Ms} ms; poll p99 ${idle.pollP99Ms} ms (loaded seats ${idle.loadSeatsPollP99Ms} ms)`);

    // (a) ---------------------------------------------------------------
    const drive = join(root, 'drive-a');
    const files = await makeTree(drive, INGEST_MB, 'a');
    await pack(drive, keys.privateKey, { catalogVersion: 'bench-a', workers });
    const cpDir = join(root, 'cp-copy');
    const t0 = performance.now();
    // Asynchronously: a synchronous child would stall the controller's loop (it runs in this process) for
    // the whole baseline, and the seats, their polls timed out, would come back as a storm of reconnects
    // that lands in the ingest's window and is no measure of it.
    await promisify(execFile)('sh', ['-c', `cp -r "${drive}" "${cpDir}" && sync -f "${cpDir}" && find "${cpDir}" -type f -exec sha256sum {} + > /dev/null`]);
    const baselineS = (performance.now() - t0) / 1000;
    await rm(cpDir, { recursive: true, force: true });
    const windowA = await bothWindows();
    const lagA = measureLoopLag();
    const t1 = performance.now();
    await ingestDrive({ drive, publicKey: rawPublic, library: content.library, workers, spareBytes: 0 });
    const ingestS = (performance.now() - t1) / 1000;
    const lag1 = lagA.stop();
    const { seats: pollA, probe: probeA } = await windowA.end();
    const ingest = {
      bytes: INGEST_MB * MiB,
      files,
      cpThenSha256sumSeconds: round(baselineS),
      ingestSeconds: round(ingestS),
      speedRatio: round(baselineS / ingestS),
      goalRatio: 0.8,
      loopLagP99Ms: round(lag1.p99Ms),
      loopLagMaxMs: round(lag1.maxMs),
      pollP99Ms: round(probeA.latencyMs.p99),
      probePolls: probeA.latencyMs.count,
      loadSeatsPollP99Ms: round(pollA.latencyMs.p99),
      polls: pollA.latencyMs.count,
      pollsFailed: pollA.failed + probeA.failed,
      pollErrors: { probe: probeA.errors, loadSeats: pollA.errors },
      seatProcessesCpuPercent: round(pollA.cpuPercent, 1),
      seatProcessesLoopLagP99Ms: round(pollA.loopLag.p99Ms),
    };
    console.log(`(a) ${INGEST_MB} MiB in ${files} files: ingest ${ingest.ingestSeconds} s vs cp -r + sha256sum ${ingest.cpThenSha256sumSeconds} s (ratio ${ingest.speedRatio}); loop lag p99 ${ingest.loopLagP99Ms} ms; poll p99 ${ingest.pollP99Ms} ms (loaded seats ${ingest.loadSeatsPollP99Ms} ms)`);
    await rm(drive, { recursive: true, force: true });

    // (b) ---------------------------------------------------------------
    const driveB = join(root, 'drive-b');
    await makeTree(driveB, FETCH_MB, 'b');
    await pack(driveB, keys.privateKey, { catalogVersion: 'bench-b', workers });
    // Only bench-b: the controller resends (a)'s bench-a to seats that now take content, which is not the change measured.
    await load.enableContent(DISCONNECTS, 'bench-b');
    server?.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => {
        written += s.bytesWritten;
        sockets.delete(s);
      });
    });
    const before = [...sockets].reduce((n, s) => n + s.bytesWritten, 0);
    const windowB = await bothWindows();
    const lagB = measureLoopLag();
    const t2 = performance.now();
    await ingestDrive({ drive: driveB, publicKey: rawPublic, library: content.library, workers, spareBytes: 0 });
    const deadline = Date.now() + FETCH_TIMEOUT_S * 1000;
    while (controller.ctx.registry.all().filter((s) => s.content?.version === 'bench-b').length < SEATS && Date.now() < deadline) await sleep(200);
    const fetchS = (performance.now() - t2) / 1000;
    const lag2 = lagB.stop();
    const { seats: pollB, probe: probeB } = await windowB.end();
    const seatContent = pollB.content!;
    const transfers = (await content.status()).transfers;
    const ready = controller.ctx.registry.all().filter((s) => s.content?.version === 'bench-b').length;
    const needed = content.library.catalog('bench-b')!.files.reduce((n, f) => n + f.size, 0) * ready;
    const sentNow = written + [...sockets].reduce((n, s) => n + s.bytesWritten, 0) - before;
    const fetch = {
      seats: SEATS,
      seatsReady: ready,
      catalogChangeBytes: FETCH_MB * MiB,
      seconds: round(fetchS),
      forcedDisconnects: seatContent.disconnects,
      resumes: seatContent.resumes,
      restartsFromZero: seatContent.restartsFromZero,
      bytesReceivedBySeats: seatContent.bytesReceived,
      bytesNeeded: needed,
      bytesFetchedAgain: seatContent.bytesReceived - needed,
      serverBytesWritten: sentNow,
      serverOverheadBytes: sentNow - needed,
      maxTransfers: transfers.max,
      busyAnswers: transfers.busy,
      pollP99Ms: round(probeB.latencyMs.p99),
      probePolls: probeB.latencyMs.count,
      loadSeatsPollP99Ms: round(pollB.latencyMs.p99),
      pollsFailed: pollB.failed + probeB.failed,
      pollErrors: { probe: probeB.errors, loadSeats: pollB.errors },
      loopLagP99Ms: round(lag2.p99Ms),
      loopLagMaxMs: round(lag2.maxMs),
      seatProcessesCpuPercent: round(pollB.cpuPercent, 1),
      seatProcessesLoopLagP99Ms: round(pollB.loopLag.p99Ms),
    };
    console.log(
      `(b) ${SEATS} seats x ${FETCH_MB} MiB with ${DISCONNECTS} cuts each: ${fetch.seconds} s, ${ready} ready; fetched again ${fetch.bytesFetchedAgain} B; server wrote ${sentNow} B for ${needed} B needed; ${transfers.max} transfers at once, ${transfers.busy} told BUSY; poll p99 ${fetch.pollP99Ms} ms (loaded seats ${fetch.loadSeatsPollP99Ms} ms); loop lag p99 ${fetch.loopLagP99Ms} ms`,
    );
    const sized = INGEST_MB === 1024 && FETCH_MB === 256 && SEATS === 300;
    if (QUICK || !sized) {
      console.log(`not written to bench/results/: ${QUICK ? 'a quick run' : "sizes other than the issue's 1024 MiB / 256 MiB / 300 seats"}`);
    } else {
      const path = await writeResults('content', {
        note: `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end; seats in ${SEAT_PROCESSES} processes of their own at nice ${SEAT_NICE}; pollP99Ms from ${PROBE_SEATS} probe seats in a process at normal priority`,
        idle,
        ingest,
        fetch,
      });
      console.log(`wrote ${path}`);
    }
  } finally {
    await load?.stop();
    await probeLoad?.stop();
    await controller.stop();
    await workers.close();
    await rm(root, { recursive: true, force: true });
  }
}


main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
