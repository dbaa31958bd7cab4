import type { Migration } from '../store/migrations.js';

/** Open alerts only: closing one deletes its row (the events table keeps the history). */
export const ALERT_MIGRATIONS: Migration[] = [
  {
    version: 1,
    legacyVersion: 300,
    name: 'open alerts',
    sql: `
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        alert TEXT NOT NULL   -- JSON: Alert
      );
    `,
  },
];
