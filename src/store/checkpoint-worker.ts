import Database from 'better-sqlite3';

export interface CheckpointTask {
  path: string;
}

/** SQLite's answer to `PRAGMA wal_checkpoint`: `log` frames in the WAL, `checkpointed` of them copied into the database. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * Runs in a piscina worker thread, on a connection of its own: copying WAL
 * frames into the database and fsyncing it blocks only this thread. PASSIVE
 * never waits for the controller's connection; what it cannot copy now, the
 * next run does.
 */
export default function checkpoint({ path }: CheckpointTask): CheckpointResult {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 1000');
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    return row!;
  } finally {
    db.close();
  }
}
