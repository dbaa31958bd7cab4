// Command-log benchmark (issue 13 item 6): start-to-serving with one million
// historical commands against an empty log. The history is written straight
// into the state dir's database with SQL (one transaction), all of it
// expired but within commands.retentionMs, so nothing is pruned and every
// row stays listable. The first start after the fill has no snapshot
// covering it (as after an upgrade from a log without snapshots) and folds
// everything once; the starts after it are the measure. Each start is an
// in-process Controller with the commands feature, from start() to a seat's
// first poll answered, runs interleaved (empty, full, empty, ...), median.
// COMMAND_LOG_BENCH_ROWS and COMMAND_LOG_BENCH_RUNS shorten it.
// Writes bench/results/command-log.json.
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { deriveLruKey, signBody } from '../protocols/seat-poll/hmac.js';
import { validateConfig } from '../src/app/config.js';
import { Controller } from '../src/app/controller.js';
import { commandsFeature } from '../src/commands/feature.js';
import type { CommandService } from '../src/commands/command-service.js';
import { createLogger } from '../src/core/log.js';
import { percentile } from './lib/percentile.js';
import { writeResults } from './lib/results.js';

const ROWS = Number(process.env.COMMAND_LOG_BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.COMMAND_LOG_BENCH_RUNS ?? 9);
const DAY = 86_400_000;
const secret = randomBytes(32);
const features = () => [commandsFeature()];

function configFor(stateDir: string) {
  return validateConfig(
    {
      stateDir,
      http: { host: '127.0.0.1', port: 0 },
      cabin: { secret: secret.toString('hex') },
      api: { token: 'bench-token-0123456789abcdef' },
      // A port no test uses; nothing listens, the datagrams go nowhere.
      commands: { port: 47_123, group: '239.255.10.99' },
      multicast: { interface: '127.0.0.1', ttl: 1 },
    },
    { features: features() },
  );
}

async function pollOnce(url: string): Promise<void> {
  const serial = 'GP3-BENCH';
  const body = JSON.stringify({
    seat: '12A', lru: { serial, model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:01:2c' }, bootId: randomBytes(6).toString('hex'), seq: 1, ackCmd: 0,
    uptimeMs: 1000, clockAt: Date.now(), media: { state: 'idle' }, inputs: { call: { on: false, sinceMs: 5000 } }, faults: [], update: { state: 'idle' },
  });
  const res = await fetch(`${url}/seat/v1/poll`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-seat-signature': signBody(deriveLruKey(secret, serial), body) }, body });
  if (res.status !== 200) throw new Error(`poll answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

/** One start: ms from Controller.start() to a poll answered, and what the command service read. */
async function timedStart(stateDir: string): Promise<{ ms: number; folded: number; commandsMs: number }> {
  const { config, layout } = configFor(stateDir);
  const c = new Controller(config, layout, createLogger('warn'), features());
  const t0 = performance.now();
  await c.start();
  await pollOnce(c.url);
  const ms = performance.now() - t0;
  const stats = (c.ctx.find('commands') as CommandService).startStats!;
  await c.stop();
  return { ms, folded: stats.folded, commandsMs: stats.ms };
}

/** ROWS commands over the last 29 days, every one expired, a cabin's mix of commands and targets. */
function fill(stateDir: string): number {
  const db = new Database(join(stateDir, 'purser.db'));
  const insert = db.prepare('INSERT INTO commands (at, expires_at, target, cmd, args, issuer) VALUES (?, ?, ?, ?, ?, ?)');
  const now = Date.now();
  const span = 29 * DAY;
  const kinds: [string, string, string][] = [
    ['seat.lock', '{"zones":["J"]}', '{"reason":"turbulence"}'],
    ['seat.unlock', '{"zones":["J"]}', '{"reason":"smooth air"}'],
    ['message.show', '{"all":true}', '{"text":"Fasten seat belts","level":"warn"}'],
    ['message.clear', '{"all":true}', '{}'],
    ['volume.cap', '{"seats":["12A","12B"]}', '{"max":4}'],
    ['pa.begin', '{"all":true}', '{"source":"cabin","group":"239.255.20.1:5004"}'],
    ['pa.end', '{"all":true}', '{"source":"cabin"}'],
    ['media.pause', '{"zones":["Y"]}', '{}'],
    ['channel.tune', '{"all":true}', '{"channel":"news","group":"239.255.30.1:5000"}'],
  ];
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      const at = now - span - 3_600_000 + Math.floor((i / ROWS) * span);
      const [cmd, target, args] = kinds[i % kinds.length]!;
      insert.run(at, at + 600_000, target, cmd, args, i % 7 === 0 ? 'panel:crew' : 'token');
    }
  })();
  db.close();
  return performance.now() - t0;
}

const median = (xs: number[]) => percentile(xs, 50);

async function main(): Promise<void> {
  const emptyDir = await mkdtemp(join(tmpdir(), 'purser-bench-cmdlog-empty-'));
  const fullDir = await mkdtemp(join(tmpdir(), 'purser-bench-cmdlog-full-'));
  try {
    // Schema first (migrations), then the history straight into the table.
    await timedStart(emptyDir);
    await timedStart(fullDir);
    const fillMs = fill(fullDir);
    console.log(`filled ${ROWS.toLocaleString()} commands in ${(fillMs / 1000).toFixed(1)} s`);
    const upgrade = await timedStart(fullDir);
    console.log(`first start after the fill (no snapshot covers it: folds ${upgrade.folded.toLocaleString()}): ${upgrade.ms.toFixed(0)} ms`);
    const empty: number[] = [];
    const full: number[] = [];
    const fullCommandsMs: number[] = [];
    const emptyCommandsMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const e = await timedStart(emptyDir);
      const f = await timedStart(fullDir);
      if (f.folded !== 0) throw new Error(`a start folded ${f.folded} commands: the snapshot does not cover the history`);
      empty.push(e.ms);
      full.push(f.ms);
      emptyCommandsMs.push(e.commandsMs);
      fullCommandsMs.push(f.commandsMs);
    }
    const db = new Database(join(fullDir, 'purser.db'), { readonly: true });
    const rows = (db.prepare('SELECT count(*) AS n FROM commands').get() as { n: number }).n;
    db.close();
    const figures = {
      rows,
      runs: RUNS,
      fillMs: Math.round(fillMs),
      upgradeStartMs: Math.round(upgrade.ms),
      emptyMedianMs: Math.round(median(empty) * 10) / 10,
      fullMedianMs: Math.round(median(full) * 10) / 10,
      ratio: Math.round((median(full) / median(empty)) * 1000) / 1000,
      commandServiceStartMedianMs: { empty: median(emptyCommandsMs), full: median(fullCommandsMs) },
      emptyMs: empty.map(Math.round),
      fullMs: full.map(Math.round),
      goal: 'full within 10 % of empty (ratio <= 1.10)',
    };
    const ok = figures.ratio <= 1.1;
    console.log(`start to first poll answered, median of ${RUNS}: empty log ${figures.emptyMedianMs} ms, ${rows.toLocaleString()} commands ${figures.fullMedianMs} ms (x${figures.ratio}) ${ok ? 'OK' : 'OVER GOAL'}`);
    console.log(`command service start (snapshot + live commands), median: empty ${figures.commandServiceStartMedianMs.empty} ms, full ${figures.commandServiceStartMedianMs.full} ms`);
    console.log(`written ${await writeResults('command-log', { ...figures, ok })}`);
  } finally {
    await rm(emptyDir, { recursive: true, force: true });
    await rm(fullDir, { recursive: true, force: true });
  }
}

await main();
