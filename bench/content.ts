// Content benchmark (docs/content.md, "Benchmark"):
//   (a) verified ingest of CONTENT_BENCH_INGEST_MB (default 256; the goal is 1024) in many files,
//       against `cp -r` then `sha256sum` of the same data in the same run; event-loop lag p99 and poll
//       p99 of 300 simulated seats while it runs;
//   (b) 300 seats fetching a catalog change of CONTENT_BENCH_FETCH_MB (default 8; the is 256)
//       over HTTP Range with 5 forced disconnects per seat: total time, poll p99, bytes fetched again.
// The controller runs in this process (the ingest is driven through its content capability), so the
// loop lag measured is the controller's loop with the seats' load on it too. Writes bench/results/content.json.
import { execFileSync } from 'node:child_process';
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
import { SimContent } from '../src/sim/content/sim-content.js';
import { Simulator } from '../src/sim/simulator.js';
import { measureLoopLag } from './lib/loop-lag.js';
import { writeResults } from './lib/results.js';

const INGEST_MB = Number(process.env.CONTENT_BENCH_INGEST_MB ?? 256);
const FETCH_MB = Number(process.env.CONTENT_BENCH_FETCH_MB ?? 8);
const SEATS = Number(process.env.CONTENT_BENCH_SEATS ?? 300);
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
    { stateDir: join(root, 'state'), http: { host: '127.0.0.1', port: 0 }, cabin: { secret: secretHex }, content: { enabled: false, publicKey: rawPublic, spareBytes: 0 }, pa: { enabled: false }, tftp: { enabled: false } },
    { features },
  );
  await mkdir(join(root, 'state'), { recursive: true });
  const controller = new Controller(config, layout, createLogger('warn'), features);
  await controller.start();
  await controller.whenStarted();
  const content = controller.ctx.need('content');
  const workers = new ContentWorkers({ maxThreads: 2, idleTimeoutMs: 60_000 });
  const sim = new Simulator({ controller: controller.url, secret, seats: SEATS });
  sim.start();
  const sockets = new Set<Socket>();
  let written = 0;
  try {
    for (let i = 0; i < 100 && controller.ctx.registry.onlineCount() < SEATS; i++) await sleep(100);
    console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${SEATS} seats online: ${controller.ctx.registry.onlineCount()}`);

    // Baseline: the same seats, no ingest, no transfers, for 5 s: what the machine gives us before any content work.
    sim.resetStats();
    const lag0 = measureLoopLag();
    await sleep(5000);
    const idleLag = lag0.stop();
    const idle = { loopLagP99Ms: round(idleLag.p99Ms), pollP99Ms: round(sim.stats().latencyMs.p99) };
    console.log(`idle: loop lag p99 ${idle.loopLagP99Ms} ms; poll p99 ${idle.pollP99Ms} ms`);

    // (a) ---------------------------------------------------------------
    const drive = join(root, 'drive-a');
    const files = await makeTree(drive, INGEST_MB, 'a');
    await pack(drive, keys.privateKey, { catalogVersion: 'bench-a', workers });
    const cpDir = join(root, 'cp-copy');
    const t0 = performance.now();
    execFileSync('sh', ['-c', `cp -r "${drive}" "${cpDir}" && sync -f "${cpDir}" && find "${cpDir}" -type f -exec sha256sum {} + > /dev/null`]);
    const baselineS = (performance.now() - t0) / 1000;
    await rm(cpDir, { recursive: true, force: true });
    sim.resetStats();
    const lagA = measureLoopLag();
    const t1 = performance.now();
    await ingestDrive({ drive, publicKey: rawPublic, library: content.library, workers, spareBytes: 0 });
    const ingestS = (performance.now() - t1) / 1000;
    const lag1 = lagA.stop();
    const pollA = sim.stats();
    const ingest = {
      bytes: INGEST_MB * MiB,
      files,
      cpThenSha256sumSeconds: round(baselineS),
      ingestSeconds: round(ingestS),
      speedRatio: round(baselineS / ingestS),
      goalRatio: 0.8,
      loopLagP99Ms: round(lag1.p99Ms),
      loopLagMaxMs: round(lag1.maxMs),
      pollP99Ms: round(pollA.latencyMs.p99),
      polls: pollA.latencyMs.count,
    };
    console.log(`(a) ${INGEST_MB} MiB in ${files} files: ingest ${ingest.ingestSeconds} s vs cp -r + sha256sum ${ingest.cpThenSha256sumSeconds} s (ratio ${ingest.speedRatio}); loop lag p99 ${ingest.loopLagP99Ms} ms; poll p99 ${ingest.pollP99Ms} ms`);
    await rm(drive, { recursive: true, force: true });

    // (b) ---------------------------------------------------------------
    const driveB = join(root, 'drive-b');
    await makeTree(driveB, FETCH_MB, 'b');
    await pack(driveB, keys.privateKey, { catalogVersion: 'bench-b', workers });
    const simContent = new SimContent(sim, { secret });
    simContent.forceDisconnects('all', DISCONNECTS);
    server?.on('connection', (s: Socket) => {
      sockets.add(s);
      s.once('close', () => {
        written += s.bytesWritten;
        sockets.delete(s);
      });
    });
    const before = [...sockets].reduce((n, s) => n + s.bytesWritten, 0);
    sim.resetStats();
    const lagB = measureLoopLag();
    const t2 = performance.now();
    await ingestDrive({ drive: driveB, publicKey: rawPublic, library: content.library, workers, spareBytes: 0 });
    const deadline = Date.now() + 170_000;
    while (controller.ctx.registry.all().filter((s) => s.content?.version === 'bench-b').length < SEATS && Date.now() < deadline) await sleep(200);
    const fetchS = (performance.now() - t2) / 1000;
    const lag2 = lagB.stop();
    const pollB = sim.stats();
    const ready = controller.ctx.registry.all().filter((s) => s.content?.version === 'bench-b').length;
    const needed = content.library.catalog('bench-b')!.files.reduce((n, f) => n + f.size, 0) * ready;
    const sentNow = written + [...sockets].reduce((n, s) => n + s.bytesWritten, 0) - before;
    const fetch = {
      seats: SEATS,
      seatsReady: ready,
      catalogChangeBytes: FETCH_MB * MiB,
      seconds: round(fetchS),
      forcedDisconnects: simContent.stats.disconnects,
      resumes: simContent.stats.resumes,
      restartsFromZero: simContent.stats.restartsFromZero,
      bytesReceivedBySeats: simContent.stats.bytesReceived,
      bytesNeeded: needed,
      bytesFetchedAgain: simContent.stats.bytesReceived - needed,
      serverBytesWritten: sentNow,
      serverOverheadBytes: sentNow - needed,
      pollP99Ms: round(pollB.latencyMs.p99),
      loopLagP99Ms: round(lag2.p99Ms),
    };
    console.log(
      `(b) ${SEATS} seats x ${FETCH_MB} MiB with ${DISCONNECTS} cuts each: ${fetch.seconds} s, ${ready} ready; fetched again ${fetch.bytesFetchedAgain} B; server wrote ${sentNow} B for ${needed} B needed; poll p99 ${fetch.pollP99Ms} ms; loop lag p99 ${fetch.loopLagP99Ms} ms`,
    );
    simContent.stop();
    const path = await writeResults('content', {
      note: `measured under load (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${2} shared cores); sizes reduced from the issue's 1 GiB / 256 MiB with CONTENT_BENCH_INGEST_MB / CONTENT_BENCH_FETCH_MB`,
      idle,
      ingest,
      fetch,
    });
    console.log(`wrote ${path}`);
  } finally {
    await sim.stop();
    await controller.stop();
    await workers.close();
    await rm(root, { recursive: true, force: true });
  }
}


main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
