import type { Migration } from '../store/migrations.js';

export const COMMAND_MIGRATIONS: Migration[] = [
  {
    version: 1,
    legacyVersion: 100,
    name: 'command log',
    sql: `
      -- AUTOINCREMENT: a seq is never reused, even after the newest rows are pruned.
      CREATE TABLE commands (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        target TEXT NOT NULL,
        cmd TEXT NOT NULL,
        args TEXT NOT NULL,
        issuer TEXT NOT NULL
      );
    `,
  },
];
