import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, openDatabase } from '../../src/store/database.js';
import { MigrationError, type MigrationSet } from '../../src/store/migrations.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function dbPath(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'purser-mig-'));
  dirs.push(d);
  return join(d, 'p.db');
}

const table = (name: string, version: number, legacyVersion?: number) => ({ version, name, sql: `CREATE TABLE ${name} (id INTEGER PRIMARY KEY)`, ...(legacyVersion ? { legacyVersion } : {}) });

describe('migrations numbered per feature', () => {
  it('two features may both have a version 1: they never collide', async () => {
    const db = openDatabase(await dbPath(), [
      { feature: 'a', migrations: [table('a_one', 1), table('a_two', 2)] },
      { feature: 'b', migrations: [table('b_one', 1)] },
    ]);
    const rows = db.prepare('SELECT feature, version FROM feature_migrations ORDER BY feature, version').all();
    assert.deepEqual(rows, [{ feature: 'a', version: 1 }, { feature: 'a', version: 2 }, { feature: 'b', version: 1 }]);
    db.close();
  });

  it('refuses a duplicate, a gap or an out-of-order version, and a feature listed twice, before touching the database', async () => {
    const path = await dbPath();
    const bad: [string, MigrationSet[]][] = [
      ['duplicate', [{ feature: 'a', migrations: [table('x', 1), table('y', 1)] }]],
      ['gap', [{ feature: 'a', migrations: [table('x', 1), table('y', 3)] }]],
      ['out of order', [{ feature: 'a', migrations: [table('x', 2), table('y', 1)] }]],
      ['twice', [{ feature: 'a', migrations: [table('x', 1)] }, { feature: 'a', migrations: [table('y', 1)] }]],
    ];
    for (const [what, sets] of bad) {
      assert.throws(() => openDatabase(path, sets), MigrationError, what);
    }
    const db = new Database(path);
    assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('x', 'y')").get() as { n: number }).n, 0);
    db.close();
  });

  it('a database from the single global numbering is carried over once: nothing applied twice, new steps applied', async () => {
    const path = await dbPath();
    const old = new Database(path);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    old.exec("CREATE TABLE commands (seq INTEGER PRIMARY KEY); INSERT INTO schema_migrations VALUES (100, 'command log', 0)");
    old.close();
    const db = new Database(path);
    migrate(db, [{ feature: 'commands', migrations: [table('commands', 1, 100), table('commands_more', 2)] }]);
    migrate(db, [{ feature: 'commands', migrations: [table('commands', 1, 100), table('commands_more', 2)] }]);
    assert.deepEqual(db.prepare("SELECT version FROM feature_migrations WHERE feature = 'commands' ORDER BY version").all(), [{ version: 1 }, { version: 2 }]);
    assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'commands_more'").get() as { n: number }).n, 1);
    db.close();
  });
});
