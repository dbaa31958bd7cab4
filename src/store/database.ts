import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkMigrationSets, type Migration, type MigrationSet } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens the controller's SQLite database in WAL mode. Commits are not fsync'd
 * by default (synchronous=NORMAL: telemetry may lose the last second on power
 * loss); records that must not be lost go through writeAhead(), which commits
 * with synchronous=FULL so the WAL is fsync'd before it returns.
 */
export function openDatabase(path: string, sets: MigrationSet[] | Migration[]): Db {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 2000');
  try {
    migrate(db, isSets(sets) ? sets : [{ feature: 'core', migrations: sets }]);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

function isSets(x: MigrationSet[] | Migration[]): x is MigrationSet[] {
  return x.length > 0 && 'feature' in x[0]!;
}

/**
 * Applies what is missing of each feature's migrations, in list order. A
 * database from before per-feature numbering (schema_migrations) is carried
 * over once by each migration's legacyVersion.
 */
export function migrate(db: Db, sets: MigrationSet[]): void {
  checkMigrationSets(sets);
  db.exec('CREATE TABLE IF NOT EXISTS feature_migrations (feature TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at INTEGER NOT NULL, PRIMARY KEY (feature, version))');
  const legacyTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  const legacy = new Set(legacyTable ? (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version) : []);
  const applied = new Set((db.prepare('SELECT feature, version FROM feature_migrations').all() as { feature: string; version: number }[]).map((r) => `${r.feature}/${r.version}`));
  const record = db.prepare('INSERT INTO feature_migrations (feature, version, name, applied_at) VALUES (?, ?, ?, ?)');
  for (const { feature, migrations } of sets) {
    for (const m of migrations) {
      if (applied.has(`${feature}/${m.version}`)) continue;
      db.transaction(() => {
        if (m.legacyVersion === undefined || !legacy.has(m.legacyVersion)) db.exec(m.sql);
        record.run(feature, m.version, m.name, Date.now());
      })();
    }
  }
}

export { writeAhead } from '../../core/write-ahead.js';
