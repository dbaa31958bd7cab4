import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { createLogger } from '../../src/core/log.js';
import { openDatabase, writeAhead, type Db } from '../../src/store/database.js';
import { WalCheckpointer } from '../../src/store/wal-checkpointer.js';
import { workerExecArgv } from '../../src/core/worker-thread.js';

const log = createLogger('silent');
let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'purser-wal-'))));
after(() => rm(dir, { recursive: true, force: true }));

function openWith(name: string): { db: Db; path: string } {
  const path = join(dir, name);
  const db = openDatabase(path, [{ version: 1, name: 'rows', sql: 'CREATE TABLE rows (id INTEGER PRIMARY KEY, v TEXT NOT NULL)' }]);
  return { db, path };
}
const autocheckpoint = (db: Db) => db.pragma('wal_autocheckpoint', { simple: true });

test('commits never checkpoint on the event loop; the worker copies the WAL into the database file', async () => {
  const { db, path } = openWith('a.db');
  const cp = new WalCheckpointer(db, path, { intervalMs: 60_000, log });
  cp.start();
  try {
    assert.equal(autocheckpoint(db), 0);
    const insert = db.prepare('INSERT INTO rows (v) VALUES (?)');
    // Far past SQLite's 1,000-page trigger: left to SQLite, some of these commits would checkpoint.
    for (let i = 0; i < 1500; i++) writeAhead(db, () => insert.run('x'.repeat(3000)));
    const before = await stat(path);
    assert.ok(before.size < 1_000_000, `nothing copied into the database file yet (${before.size} bytes)`);
    const r = await cp.checkpoint();
    assert.ok(r && r.log > 1000 && r.checkpointed === r.log, `every WAL frame checkpointed: ${JSON.stringify(r)}`);
    // The database file alone, without its WAL, now holds every row.
    const copy = join(dir, 'a-copy.db');
    await copyFile(path, copy);
    const alone = new Database(copy, { readonly: true });
    assert.deepEqual(alone.prepare('SELECT count(*) AS n FROM rows').get(), { n: 1500 });
    alone.close();
  } finally {
    await cp.stop();
    db.close();
  }
});

test('after the one at start, a checkpoint runs only once enough rows have changed', async () => {
  const { db, path } = openWith('d.db');
  const cp = new WalCheckpointer(db, path, { intervalMs: 20, minChanges: 100, log });
  cp.start();
  const settle = () => new Promise((r) => setTimeout(r, 150));
  try {
    for (let i = 0; i < 60 && cp.runs < 1; i++) await new Promise((r) => setTimeout(r, 50));
    await settle();
    assert.equal(cp.runs, 1, 'the one at start');
    const insert = db.prepare('INSERT INTO rows (v) VALUES (?)');
    for (let i = 0; i < 60; i++) insert.run('x');
    await settle();
    assert.equal(cp.runs, 1, '60 rows: not yet');
    for (let i = 0; i < 60; i++) insert.run('x');
    // Due now: it starts once the worker is free (under a busy suite the first may still be running).
    for (let i = 0; i < 60 && cp.runs < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await settle();
    assert.equal(cp.runs, 2, '120 rows: due, once');
  } finally {
    await cp.stop();
    db.close();
  }
});

test('stop hands checkpoints back to SQLite, and a failing worker does too, at once', async () => {
  const { db, path } = openWith('b.db');
  const cp = new WalCheckpointer(db, path, { intervalMs: 60_000, log });
  cp.start();
  await cp.stop();
  assert.equal(autocheckpoint(db), 1000);
  db.close();

  const { db: db2 } = openWith('c.db');
  const broken = new WalCheckpointer(db2, join(dir, 'no-such.db'), { intervalMs: 60_000, log });
  broken.start(); // checkpoints at once, and fails
  for (let i = 0; i < 200 && autocheckpoint(db2) !== 1000; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(autocheckpoint(db2), 1000, 'SQLite checkpoints again, so the WAL cannot grow without bound');
  assert.equal(await broken.checkpoint(), undefined, 'no more worker runs after the failure');
  await broken.stop();
  db2.close();
});

test('worker threads inherit the Node flags but --input-type, which a worker running a file refuses', () => {
  assert.deepEqual(workerExecArgv(['--import', 'tsx', '--input-type=module', '--max-old-space-size=512']), ['--import', 'tsx', '--max-old-space-size=512']);
  assert.deepEqual(workerExecArgv(['--input-type', 'module', '--import', 'tsx']), ['--import', 'tsx']);
});

test('a controller process whose code came from -e (as the panel bench starts one) still checkpoints on the worker', () => {
  const path = join(dir, 'eval.db');
  const code = `
    import { openDatabase } from '${new URL('../../src/store/database.ts', import.meta.url).pathname}';
    import { WalCheckpointer } from '${new URL('../../src/store/wal-checkpointer.ts', import.meta.url).pathname}';
    import { createLogger } from '${new URL('../../src/core/log.ts', import.meta.url).pathname}';
    const db = openDatabase(${JSON.stringify(path)}, [{ version: 1, name: 'rows', sql: 'CREATE TABLE rows (v TEXT)' }]);
    const cp = new WalCheckpointer(db, ${JSON.stringify(path)}, { intervalMs: 60_000, log: createLogger('silent') });
    cp.start();
    db.prepare('INSERT INTO rows VALUES (?)').run('x');
    const r = await cp.checkpoint().catch((e) => ({ error: e.message }));
    console.log(JSON.stringify({ r, autocheckpoint: db.pragma('wal_autocheckpoint', { simple: true }) }));
    await cp.stop();
    db.close();`;
  const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(out.status, 0, out.stderr);
  const { r, autocheckpoint } = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { r: { log?: number; checkpointed?: number; error?: string }; autocheckpoint: number };
  assert.equal(r.error, undefined);
  assert.ok(r.log! > 0 && r.checkpointed === r.log, JSON.stringify(r));
  assert.equal(autocheckpoint, 0, 'the worker ran: no fallback to SQLite\'s own checkpoints');
});
