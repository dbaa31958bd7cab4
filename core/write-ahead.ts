import type Database from 'better-sqlite3';

/**
 * Runs `fn` in a transaction whose commit is fsync'd before this returns
 * (synchronous=FULL for this commit, whatever the connection's default: WAL
 * with NORMAL does not fsync a commit). For records that must not be lost:
 * commands, firmware, content.
 */
export function writeAhead<T>(db: Database.Database, fn: () => T): T {
  const previous = db.pragma('synchronous', { simple: true }) as number;
  db.pragma('synchronous = FULL');
  try {
    return db.transaction(fn)();
  } finally {
    db.pragma(`synchronous = ${previous}`);
  }
}
