/**
 * The power-cut torture (issue 20): N SIGKILLs of the whole process group of a
 * real `purser run` while seats poll, commands are issued, firmware images are
 * imported and rollouts run; after each cut the database is checked read-only
 * (integrity_check, every 2xx command there with its seq, no seq twice, every
 * image verifies or is absent, inventory and LRU history intact).
 * With the content drive (on by default as root with loop devices, `--content off`
 * to leave it out, `--content on` to insist), a signed ext4 drive on a loop device
 * is ingested across the cuts, then a newer one; after each cut every library
 * object must hash to its name and `current` be complete and never go back.
 *
 *   npm run build && node --import tsx bench/power-cut.ts [--kills 100] [--seats 60] [--source] [--content auto|on|off] [--out PATH]
 *   node --import tsx bench/power-cut.ts --strace [--commands 30]
 *
 * --strace runs the controller under `strace -f` and checks, syscall by
 * syscall, that each command's WAL fsync comes before its datagram and its 2xx.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeResults } from './lib/results.js';
import { percentile, runTorture } from '../test/e2e/power-cut/torture.js';
import { measureLoopLag } from './lib/loop-lag.js';
import { straceOrdering } from '../test/e2e/power-cut/strace-order.js';
import { contentSkipReason } from '../test/e2e/power-cut/content-drive.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    seats: { type: 'string', default: '60' },
    strace: { type: 'boolean', default: false },
    commands: { type: 'string', default: '30' },
    'max-seconds': { type: 'string', default: '170' },
    seed: { type: 'string', default: '20' },
    // By default the compiled tree (npm run build), as on the head-end; --source runs src/ under tsx.
    source: { type: 'boolean', default: false },
    content: { type: 'string', default: 'auto' },
    // Where the JSON goes (a quick run must not overwrite bench/results/power-cut.json); also POWER_CUT_RESULTS.
    out: { type: 'string' },
  },
});
if (!['auto', 'on', 'off'].includes(values.content)) throw new Error(`--content: auto, on or off, not ${values.content}`);
const noContent = contentSkipReason();
if (values.content === 'on' && noContent) throw new Error(`--content on: cannot make content drives here: ${noContent}`);
const content = values.content !== 'off' && !noContent;
const out = values.out ?? process.env.POWER_CUT_RESULTS;

const dir = await mkdtemp(join(tmpdir(), 'purser-bench-power-cut-'));
const t0 = performance.now();
try {
  if (values.strace) {
    const r = await straceOrdering({ dir, commands: Number(values.commands) });
    console.log(`strace: ${r.commands} commands, ${r.ordered} with fsync < datagram < 2xx... ordering: ${r.violations.length === 0 ? 'ok' : 'VIOLATED'}`);
    for (const v of r.violations) console.log(`  ${v}`);
    const path = await writeResults('power-cut-strace', { ...r, seconds: Math.round((performance.now() - t0) / 1000) });
    console.log(`wrote ${path}`);
  } else {
    const harnessLagMeter = measureLoopLag();
    const summary = (v: number[]) => ({ n: v.length, p50: percentile(v, 50), p99: percentile(v, 99), max: percentile(v, 100) });
    const r = await runTorture({
      dir,
      kills: Number(values.kills),
      seats: Number(values.seats),
      seed: Number(values.seed),
      built: !values.source,
      maxSeconds: Number(values['max-seconds']),
      // 300 files of 24 KiB per drive (7 MiB), copied at 1 MB/s: each ingest spans several cuts.
      content: content && { files: 300, fileBytes: 24 * 1024, copyBytesPerSecond: 1_000_000 },
      log: (l) => console.log(`${Math.round((performance.now() - t0) / 1000)} s  ${l}`),
    });
    const s = r.pollsAnswered;
    const harnessLag = harnessLagMeter.stop();
    // The controller's own clock: start() to seats answered. The torture's figure above adds the hand-over
    // and this process's own latency (its loop runs the 60 seats, the probe, the drive copy and the checks).
    const seatsAnswered = r.cycles.flatMap((c) => (c.startupMs?.seatsAnswered !== undefined ? [c.startupMs.seatsAnswered] : []));
    const figures = {
      tree: !values.source ? 'dist (compiled)' : 'src under tsx',
      killsAsked: Number(values.kills),
      kills: r.kills,
      corrupt: r.corrupt,
      lost: r.lost,
      duplicateSeqs: r.duplicateSeqs,
      badImages: r.badImages,
      commandsAcked: r.commandsAcked,
      commandsInLog: r.commandsInLog,
      importsAcked: r.importsAcked,
      rolloutsStarted: r.rolloutsStarted,
      cutWhileStarting: r.cycles.filter((c) => c.cutWhile === 'starting').length,
      startToPollMs: { n: s.startToPollMs.length, p50: percentile(s.startToPollMs, 50), p99: percentile(s.startToPollMs, 99), max: percentile(s.startToPollMs, 100) },
      seatsAnsweredMs: summary(seatsAnswered),
      firstSeatPollMs: summary(r.cycles.flatMap((c) => (c.startupMs?.firstSeatPoll !== undefined ? [c.startupMs.firstSeatPoll] : []))),
      harnessLoopLagMs: { p99: Math.round(harnessLag.p99Ms), max: Math.round(harnessLag.maxMs) },
      spawnToPollMs: { n: s.spawnToPollMs.length, p50: percentile(s.spawnToPollMs, 50), p99: percentile(s.spawnToPollMs, 99), max: percentile(s.spawnToPollMs, 100) },
      content: r.content ? { ...r.content, progress: undefined } : { skipped: values.content === 'off' ? '--content off' : noContent },
      contentProgress: r.content?.progress,
      problems: r.problems,
      seconds: Math.round((performance.now() - t0) / 1000),
      loadavgAtEnd: loadavg(),
      cycles: r.cycles,
    };
    console.log(JSON.stringify({ ...figures, cycles: undefined, contentProgress: undefined }, null, 2));
    const path = await writeResults('power-cut', figures, out);
    console.log(`wrote ${path}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
