import Database from 'better-sqlite3';

export interface CheckpointTask {
  path: string;
  /** Close this thread's connection to `path` instead (the controller is stopping). */
  close?: boolean;
}

/** SQLite's answer to `PRAGMA wal_checkpoint`: `log` frames in the WAL, `checkpointed` of them copied into the database. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** One connection per database for the life of the thread: opening one every run cost more than the checkpoint. */
const connections = new Map<string, Database.Database>();

/**
 * Runs in a piscina worker thread, on a connection of its own: copying WAL
 * frames into the database and fsyncing it blocks only this thread. PASSIVE
 * never waits for the controller's connection; what it cannot copy now, the
 * next run does.
 */
export default function checkpoint({ path, close }: CheckpointTask): CheckpointResult | undefined {
  let db = connections.get(path);
  if (close) {
    db?.close();
    connections.delete(path);
    return undefined;
  }
  if (!db) {
    db = new Database(path, { fileMustExist: true });
    db.pragma('busy_timeout = 1000');
    connections.set(path, db);
  }
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
  return row!;
}
