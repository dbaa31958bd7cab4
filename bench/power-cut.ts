/**
 * The power-cut torture (issue 20): N SIGKILLs of the whole process group of a
 * real `purser run` while seats poll, commands are issued, firmware images are
 * imported and rollouts run; after each cut the database is checked read-only
 * (integrity_check, every 2xx command there with its seq, no seq twice, every
 * image verifies or is absent, inventory and LRU history intact).
 *
 *   npm run build && node --import tsx bench/power-cut.ts [--kills 100] [--seats 60] [--source]
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
import { straceOrdering } from '../test/e2e/power-cut/strace-order.js';

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
  },
});

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
    const r = await runTorture({
      dir,
      kills: Number(values.kills),
      seats: Number(values.seats),
      seed: Number(values.seed),
      built: !values.source,
      maxSeconds: Number(values['max-seconds']),
      log: (l) => console.log(`${Math.round((performance.now() - t0) / 1000)} s  ${l}`),
    });
    const s = r.pollsAnswered;
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
      spawnToPollMs: { n: s.spawnToPollMs.length, p50: percentile(s.spawnToPollMs, 50), p99: percentile(s.spawnToPollMs, 99), max: percentile(s.spawnToPollMs, 100) },
      problems: r.problems,
      seconds: Math.round((performance.now() - t0) / 1000),
      loadavgAtEnd: loadavg(),
      cycles: r.cycles,
    };
    console.log(JSON.stringify({ ...figures, cycles: undefined }, null, 2));
    const path = await writeResults('power-cut', figures);
    console.log(`wrote ${path}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
