import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../../../core/random.js';
import { Simulator } from '../../../src/sim/simulator.js';
import { TEST_SECRET } from '../../helpers/controller.js';
import { TEST_TOKEN, randomPort } from '../../helpers/commands.js';
import { pollBody, postPoll } from '../../helpers/poll.js';
import { spawnPurser, writeConfig, type PurserChild } from '../purser-child.js';
import { ContentDriveRig, contentSkipReason, type ContentDriveOptions, type ContentFigures } from './content-drive.js';

/**
 * The power-cut torture: a real `purser run` in its own process group, seats
 * polling (the simulator, in this process, so it outlives every cut),
 * commands issued over the API, a firmware image imported and a rollout
 * started each cycle; then SIGKILL to the whole group at a random moment,
 * some of them while the controller is still starting. While it is down the
 * database is opened read-only and checked; then it is started again.
 * With `content`, a signed content drive on a loop device is ingested across
 * the cuts too, and the library is checked after each (content-drive.ts).
 */
export interface TortureOptions {
  dir: string;
  kills: number;
  seats?: number;
  seed?: number;
  /** Share of the cuts that land while the controller is starting (default 0.25). */
  duringStart?: number;
  /** How long the controller runs before a cut, once it answers polls: [min, max] ms. */
  upMs?: [number, number];
  imageBytes?: number;
  /** Stop after this many seconds even if fewer cuts were made (a shared machine). */
  maxSeconds?: number;
  /** Run the compiled tree (dist/), as installed. */
  built?: boolean;
  log?: (line: string) => void;
  /**
   * Until one image import has been acknowledged, a cut while running waits (up to 60 s) for this cycle's
   * import to be answered before its up span begins. On a loaded machine the firmware routes can stay
   * 503 STARTING for longer than the whole up span, and then no cycle would ever import.
   */
  untilOneImport?: boolean;
  /**
   * Ingest a real content drive (ext4 on a loop device) across the cuts. Needs root and loop devices:
   * without them the run goes on without it and says why in `contentSkipped`.
   */
  content?: boolean | ContentDriveOptions;
}

export interface CycleReport {
  cycle: number;
  cutWhile: 'starting' | 'running';
  /** Spawn to the first poll answered 200; null when cut before. */
  spawnToPollMs: number | null;
  /** The process's first sign of life ("starting on", config loaded) to the first poll answered. */
  startToPollMs: number | null;
  /** The controller's own startupMs (store, setup:..., httpReady, seatsAnswered...) when it got that far. */
  startupMs?: Record<string, number>;
  /** What the probe's polls met before the first 200: answers by status, failures by error code. */
  probeBefore200?: Record<string, number>;
  integrity: string;
  problems: string[];
}

export interface TortureResult {
  kills: number;
  corrupt: number;
  lost: number;
  duplicateSeqs: number;
  badImages: number;
  commandsAcked: number;
  commandsInLog: number;
  importsAcked: number;
  rolloutsStarted: number;
  pollsAnswered: { spawnToPollMs: number[]; startToPollMs: number[] };
  problems: string[];
  cycles: CycleReport[];
  /** The content drive's figures, when `content` ran. */
  content?: ContentFigures;
  /** Why `content` was asked for and did not run. */
  contentSkipped?: string;
}

async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  s.close();
  return port;
}

/** The config a torture (or the strace check) runs with: fixed ports, so seats find the controller after each restart. */
export async function tortureConfig(stateDir: string, extra: Record<string, unknown> = {}): Promise<{ cfgPath: string; url: string; commandsPort: number }> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const httpPort = await freeTcpPort();
  const commandsPort = randomPort();
  const cfgPath = await writeConfig(stateDir, {
    http: { host: '127.0.0.1', port: httpPort },
    tftp: { host: '127.0.0.1', port: await freeUdpPort() },
    api: { token: TEST_TOKEN },
    cabin: { secret: TEST_SECRET, pollIntervalMs: 500 },
    // Group 239.255.30.1 belongs to the power-cut runs.
    commands: { port: commandsPort, group: '239.255.30.1' },
    multicast: { interface: '127.0.0.1', ttl: 1 },
    pa: { enabled: false },
    ...extra,
  });
  return { cfgPath, url: `http://127.0.0.1:${httpPort}`, commandsPort };
}

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

export async function issueCommand(url: string, signal?: AbortSignal): Promise<{ status: number; seq?: number; cmd?: string }> {
  const res = await fetch(`${url}/api/v1/commands`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ target: { all: true }, cmd: 'media.pause', args: {} }),
    signal: signal ?? AbortSignal.timeout(3000),
  });
  const body = (await res.json().catch(() => ({}))) as { command?: { seq: number; cmd: string } };
  return { status: res.status, seq: body.command?.seq, cmd: body.command?.cmd };
}

interface Acked {
  commands: Map<number, number>; // seq -> times a 2xx named it
  images: Map<string, string>; // model/version -> sha256
}

export async function runTorture(o: TortureOptions): Promise<TortureResult> {
  const log = o.log ?? (() => undefined);
  const rnd = seededRandom(o.seed ?? 20);
  const stateDir = join(o.dir, 'state');
  const contentSkipped = o.content ? contentSkipReason() : undefined;
  // Its own sequence: the replugs leave the cuts' timing as the seed gives it without content.
  const replugRnd = seededRandom((o.seed ?? 20) + 1);
  // Made before the first start: the drive is already plugged when the controller first looks.
  const rig = o.content && !contentSkipped ? await ContentDriveRig.create(o.content === true ? {} : o.content) : undefined;
  const { cfgPath, url } = await tortureConfig(stateDir, rig ? { content: rig.config() } : {}).catch(async (e: unknown) => {
    await rig?.cleanup();
    throw e;
  });
  const dbPath = join(stateDir, 'purser.db');
  const acked: Acked = { commands: new Map(), images: new Map() };
  const result: TortureResult = {
    kills: 0, corrupt: 0, lost: 0, duplicateSeqs: 0, badImages: 0, commandsAcked: 0, commandsInLog: 0, importsAcked: 0, rolloutsStarted: 0,
    pollsAnswered: { spawnToPollMs: [], startToPollMs: [] }, problems: [], cycles: [],
    ...(contentSkipped ? { contentSkipped } : {}),
  };
  const sim = new Simulator({ controller: url, secret: Buffer.from(TEST_SECRET, 'hex'), seats: o.seats ?? 60, pollIntervalMs: 500, requestTimeoutMs: 2000 });
  sim.start();
  let knownSerials = new Set<string>();
  let historyRows = 0;
  let probeSeq = 1;
  let lastStartup = 3000;
  let child: PurserChild | undefined;
  try {
    const t0 = performance.now();
    for (let cycle = 1; cycle <= o.kills; cycle++) {
      if (o.maxSeconds !== undefined && performance.now() - t0 > o.maxSeconds * 1000) break;
      // At info, for the 'purser controller started' line and its startupMs (where a slow start went).
      const c = (child = spawnPurser(cfgPath, { built: o.built ?? false, env: { PURSER_LOG_LEVEL: 'info' } }));
      let up = true;
      let startedAt: number | null = null;
      void c.starting.then((s) => (startedAt = s.t), () => undefined);
      // The probe: a poll every 25 ms from spawn until one is answered; what it met before is tallied.
      const probeBefore200: Record<string, number> = {};
      const answered = (async () => {
        while (up) {
          const r = await postPoll(url, pollBody('50F', { seq: probeSeq++, uptimeMs: probeSeq * 25 })).catch((e: unknown) => {
            const err = e as { cause?: { code?: string }; code?: string; name?: string };
            const key = err.cause?.code ?? err.code ?? err.name ?? 'error';
            probeBefore200[key] = (probeBefore200[key] ?? 0) + 1;
            return undefined;
          });
          if (r?.status === 200) return performance.now();
          if (r) probeBefore200[String(r.status)] = (probeBefore200[String(r.status)] ?? 0) + 1;
          await sleep(25);
        }
        return null;
      })();
      let importOutcome = 'not tried';
      let importAnswered!: () => void;
      const importSettled = new Promise<void>((resolve) => (importAnswered = resolve));
      const importAndRollOut = async (): Promise<void> => {
        await answered;
        if (!up) return;
        const version = `9.${cycle}.0`;
        const bytes = randomBytes(o.imageBytes ?? 256 * 1024);
        // Firmware routes answer 503 STARTING until the feature's services (the TFTP thread) are up, after seats are
        // answered: try again, sooner than Retry-After says, so an import fits in the short spans between cuts.
        let res: Response | undefined;
        const triedAt = performance.now();
        let unavailable = 0;
        for (;;) {
          res = await fetch(`${url}/api/v1/firmware/gp3/${version}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes), signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
          if (res?.status !== 503 || !up) break;
          unavailable++;
          await sleep(100);
        }
        importOutcome = `${res?.status ?? 'no answer'} after ${unavailable} x 503 in ${Math.round(performance.now() - triedAt)} ms`;
        if (res?.status === 201) acked.images.set(`gp3/${version}`, createHash('sha256').update(bytes).digest('hex'));
        if (res?.status !== 201 || !up) return;
        const ro = await fetch(`${url}/api/v1/rollouts`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gp3', version, target: { all: true }, onGround: true, canary: 2, batchSize: 10, seatTimeoutMs: 10_000 }),
          signal: AbortSignal.timeout(5000),
        }).catch(() => undefined);
        if (ro?.status === 201) result.rolloutsStarted++;
      };
      const workers = [
        (async () => {
          while (up) {
            const r = await issueCommand(url).catch(() => undefined);
            if (r && r.status >= 200 && r.status < 300 && r.seq !== undefined) acked.commands.set(r.seq, (acked.commands.get(r.seq) ?? 0) + 1);
            await sleep(r ? 15 : 50);
          }
        })(),
        (async () => {
          try {
            await importAndRollOut();
          } finally {
            importAnswered();
          }
        })(),
      ];
      // Where the cut lands: while starting (somewhere in the last start-up's span) or while running.
      const duringStart = rnd() < (o.duringStart ?? 0.25);
      let polledAt: number | null = null;
      if (duringStart) {
        await sleep(Math.floor(rnd() * lastStartup));
      } else {
        // Unref'd: a pending 60 s timer would keep the test process alive for a minute after the last cut.
        polledAt = await Promise.race([answered, sleep(60_000, null, { ref: false })]);
        if (o.untilOneImport && acked.images.size === 0) await Promise.race([importSettled, sleep(60_000, null, { ref: false })]);
        const [lo, hi] = o.upMs ?? [800, 2500];
        await sleep(lo + Math.floor(rnd() * (hi - lo)));
      }
      const wasUp = await Promise.race([answered, sleep(0).then(() => null)]);
      polledAt ??= wasUp;
      const cutWhile = polledAt === null ? 'starting' : 'running';
      c.cut();
      up = false;
      await c.exited;
      await Promise.all([answered, ...workers]);
      result.kills++;
      const spawnToPollMs = polledAt === null ? null : Math.round(polledAt - c.spawnedAt);
      const startToPollMs = polledAt === null || startedAt === null ? null : Math.round(polledAt - startedAt);
      if (spawnToPollMs !== null) {
        lastStartup = spawnToPollMs;
        result.pollsAnswered.spawnToPollMs.push(spawnToPollMs);
      }
      if (startToPollMs !== null) result.pollsAnswered.startToPollMs.push(startToPollMs);

      // The controller is down: check what a power cut left on disk.
      const startupMs = startupTimingsOf(c.stdout());
      const report: CycleReport = { cycle, cutWhile, spawnToPollMs, startToPollMs, ...(startupMs ? { startupMs } : {}), probeBefore200, integrity: 'no database yet', problems: [] };
      const check = await checkState(dbPath, join(stateDir, 'tftp', 'firmware'), acked, knownSerials, historyRows, o.dir);
      if (check) {
        report.integrity = check.integrity;
        report.problems = check.problems;
        if (check.integrity !== 'ok') result.corrupt++;
        result.lost += check.lost;
        result.badImages += check.badImages;
        knownSerials = check.serials;
        historyRows = check.historyRows;
        result.commandsInLog = check.commandsInLog;
      }
      if (rig) report.problems.push(...(await rig.check(join(stateDir, 'content'), cycle, { last: cycle === o.kills, random: replugRnd })));
      result.problems.push(...report.problems.map((p) => `cycle ${cycle}: ${p}`));
      result.cycles.push(report);
      const progress = rig?.figures.progress.at(-1);
      const contentLine = progress ? `; content ${progress.drive} ${progress.objects}/${rig!.figures.filesPerDrive} objects, current ${progress.current ?? '-'}` : '';
      log(`cut ${cycle}/${o.kills} while ${cutWhile}: polls answered ${spawnToPollMs ?? '-'} ms after spawn (${startToPollMs ?? '-'} after start${startupMs ? `; store ${startupMs.store} ms, httpReady ${startupMs.httpReady} ms, seatsAnswered ${startupMs.seatsAnswered} ms, first seat poll ${startupMs.firstSeatPoll ?? '-'} ms` : ''}; probe before its 200: ${JSON.stringify(probeBefore200)}); integrity ${report.integrity}; ${acked.commands.size} commands acked; import ${importOutcome}${contentLine}; ${report.problems.length} problems`);
    }
  } finally {
    child?.cut();
    await child?.exited;
    await sim.stop();
    // The group is gone: nothing holds the drive's mount any more.
    await rig?.cleanup();
  }
  if (rig) result.content = rig.figures;
  result.commandsAcked = acked.commands.size;
  result.duplicateSeqs = [...acked.commands.values()].filter((n) => n > 1).length;
  result.importsAcked = acked.images.size;
  return result;
}

interface StateCheck {
  integrity: string;
  problems: string[];
  lost: number;
  badImages: number;
  serials: Set<string>;
  historyRows: number;
  commandsInLog: number;
}

/** Opens the database read-only (falling back to a copy if SQLite wants to recover the WAL) and checks everything. */
async function checkState(dbPath: string, fwDir: string, acked: Acked, knownSerials: Set<string>, historyRows: number, scratch: string): Promise<StateCheck | undefined> {
  if (!(await stat(dbPath).catch(() => undefined))) return undefined;
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    db.pragma('schema_version');
  } catch {
    const copy = join(scratch, 'copy.db');
    for (const ext of ['', '-wal']) await copyFile(dbPath + ext, copy + ext).catch(() => undefined);
    db = new Database(copy);
  }
  const problems: string[] = [];
  let lost = 0;
  let badImages = 0;
  try {
    const integrity = (db.pragma('integrity_check', { simple: true }) as string) ?? '?';
    if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const seqs = tables.has('commands') ? new Set((db.prepare('SELECT seq FROM commands').all() as { seq: number }[]).map((r) => r.seq)) : new Set<number>();
    for (const [seq, n] of acked.commands) {
      if (!seqs.has(seq)) {
        lost++;
        problems.push(`command seq ${seq} got a 2xx but is not in the log`);
      }
      if (n > 1) problems.push(`seq ${seq} was answered ${n} times`);
    }
    const rows = tables.has('firmware_images') ? (db.prepare('SELECT model, version, size, sha256, state FROM firmware_images').all() as { model: string; version: string; size: number; sha256: string; state: string }[]) : [];
    const byKey = new Map(rows.map((r) => [`${r.model}/${r.version}`, r]));
    for (const key of acked.images.keys()) {
      if (!byKey.has(key)) {
        lost++;
        problems.push(`firmware ${key} got a 201 but has no catalog row`);
      }
    }
    for (const r of rows) {
      if (r.state !== 'ready') continue;
      const bytes = await readFile(join(fwDir, r.model, `${r.version}.img`)).catch(() => undefined);
      const ok = bytes && bytes.length === r.size && createHash('sha256').update(bytes).digest('hex') === r.sha256;
      // A ready row whose file is short or wrong is caught by the startup check, which quarantines it; count it all the same.
      if (!ok) {
        badImages++;
        problems.push(`firmware ${r.model}/${r.version} is ready but its file ${bytes ? 'does not verify' : 'is missing'}`);
      }
      const want = acked.images.get(`${r.model}/${r.version}`);
      if (want && want !== r.sha256) problems.push(`firmware ${r.model}/${r.version}: catalog sha256 is not what was uploaded`);
    }
    const serials = tables.has('lrus') ? new Set((db.prepare('SELECT serial FROM lrus').all() as { serial: string }[]).map((r) => r.serial)) : new Set<string>();
    for (const s of knownSerials) {
      if (!serials.has(s)) {
        lost++;
        problems.push(`LRU ${s} was in the inventory and is gone`);
      }
    }
    const history = tables.has('lru_history') ? (db.prepare('SELECT count(*) AS n FROM lru_history').get() as { n: number }).n : 0;
    if (history < historyRows) {
      lost++;
      problems.push(`LRU history shrank from ${historyRows} to ${history} rows`);
    }
    return { integrity, problems, lost, badImages, serials, historyRows: history, commandsInLog: seqs.size };
  } finally {
    db.close();
    await rm(join(scratch, 'copy.db'), { force: true }).catch(() => undefined);
    for (const ext of ['-wal', '-shm']) await rm(join(scratch, `copy.db${ext}`), { force: true }).catch(() => undefined);
  }
}

/** The nearest-rank percentile. */
export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** startupMs of the 'purser controller started' log line in a child's output, with firstSeatPoll from its own line. */
function startupTimingsOf(out: string): Record<string, number> | undefined {
  let timings: Record<string, number> | undefined;
  for (const line of out.split('\n')) {
    if (!line.includes('purser controller started') && !line.includes('first seat poll answered')) continue;
    try {
      const o = JSON.parse(line) as { startupMs?: Record<string, number>; ms?: number };
      if (o.startupMs) timings = { ...o.startupMs, ...timings };
      else if (typeof o.ms === 'number') timings = { ...timings, firstSeatPoll: o.ms };
    } catch {
      // a line cut short by the SIGKILL
    }
  }
  return timings;
}
