// What the machine itself does to the PA benchmark's figures: the CPU the
// hypervisor steals and other processes take (from /proc/stat), and how long
// an fsync'd commit takes on the disk the controller's state is on (the
// command log commits each pa.begin that way before its first datagram leaves).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, writeAhead } from '../../src/store/database.js';
import { percentile } from './percentile.js';

export interface CpuTimes {
  /** Every field of /proc/stat's "cpu" line, in ticks. */
  total: number;
  idle: number;
  steal: number;
}

/** All CPUs together, from the first line of /proc/stat. */
export function cpuTimes(): CpuTimes {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal };
}

/** Between two readings, in % of one core: busy (steal excluded) and stolen by the hypervisor. */
export function cpuShare(from: CpuTimes, to: CpuTimes, cores: number): { busyPercent: number; stealPercent: number } {
  const total = to.total - from.total;
  if (total <= 0) return { busyPercent: 0, stealPercent: 0 };
  const steal = to.steal - from.steal;
  const busy = total - (to.idle - from.idle) - steal;
  return { busyPercent: (busy / total) * 100 * cores, stealPercent: (steal / total) * 100 * cores };
}

/** `count` fsync'd commits of a small row, `gapMs` apart, through the controller's own writeAhead(), in a scratch database under `dir`. */
export async function fsyncCommitMs(dir: string, count = 50, gapMs = 20): Promise<{ p50Ms: number; p99Ms: number; maxMs: number }> {
  const scratch = await mkdtemp(join(dir, 'pa-fsync-'));
  const db = openDatabase(join(scratch, 'probe.db'), [{ version: 1, name: 'probe', sql: 'CREATE TABLE probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)' }]);
  try {
    const insert = db.prepare('INSERT INTO probe (body) VALUES (?)');
    const body = 'x'.repeat(200);
    const ms: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      writeAhead(db, () => insert.run(body));
      ms.push(performance.now() - t);
      await sleep(gapMs);
    }
    return { p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), maxMs: Math.max(...ms) };
  } finally {
    db.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
