/**
 * Versioned schema migrations, applied in order inside one transaction each.
 * Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const CORE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'seats, lrus, events',
    sql: `
      CREATE TABLE seats (
        seat TEXT PRIMARY KEY,
        state TEXT NOT NULL,          -- JSON: last-known SeatSnapshot
        updated_at INTEGER NOT NULL   -- wall ms
      );
      CREATE TABLE lrus (
        serial TEXT PRIMARY KEY,
        model TEXT NOT NULL,
        firmware TEXT NOT NULL,
        mac TEXT NOT NULL,
        seat TEXT,                    -- where it is now (NULL once removed)
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      );
      CREATE TABLE lru_history (
        id INTEGER PRIMARY KEY,
        serial TEXT NOT NULL,
        seat TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('installed', 'removed')),
        at INTEGER NOT NULL
      );
      CREATE INDEX lru_history_seat ON lru_history (seat, id);
      CREATE INDEX lru_history_serial ON lru_history (serial, id);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        seat TEXT,
        type TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX events_seat ON events (seat, id);
      CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
];
