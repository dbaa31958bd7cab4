/**
 * Schema migrations, numbered 1, 2, 3... within each feature (the spine is
 * `core`), so two features can never collide. Applied in order, one
 * transaction each. Never edit a released migration: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * The number it had in the single global sequence used before migrations
   * were per feature (core 1, commands 100, alerts 300, firmware 400+, rollouts
   * 450): a database from then is recognised and nothing is applied twice.
   */
  legacyVersion?: number;
}

/** One feature's migrations. */
export interface MigrationSet {
  feature: string;
  migrations: Migration[];
}

export class MigrationError extends Error {}

/** Versions must run 1, 2, 3... without gaps or repeats, and each feature appears once. */
export function checkMigrationSets(sets: MigrationSet[]): void {
  const features = new Set<string>();
  const legacy = new Map<number, string>();
  for (const { feature, migrations } of sets) {
    if (features.has(feature)) throw new MigrationError(`migrations of feature ${feature} are listed twice`);
    features.add(feature);
    migrations.forEach((m, i) => {
      if (m.version !== i + 1) throw new MigrationError(`feature ${feature}: migration "${m.name}" has version ${m.version} where ${i + 1} comes next (duplicate, out of order or a gap)`);
      if (m.legacyVersion !== undefined) {
        const other = legacy.get(m.legacyVersion);
        if (other) throw new MigrationError(`legacy version ${m.legacyVersion} is claimed by ${other} and ${feature}`);
        legacy.set(m.legacyVersion, feature);
      }
    });
  }
}

export const CORE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    legacyVersion: 1,
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
  {
    version: 2,
    name: 'entities',
    sql: `
      -- Last-known state of every entity but seats (channels, drives, ports, the PA, rollouts...).
      CREATE TABLE entities (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        name TEXT,
        attributes TEXT NOT NULL,     -- JSON
        changed_at INTEGER NOT NULL,  -- wall ms
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'idempotency keys of acting routes',
    sql: `
      -- An acting route's Idempotency-Key (src/http/idempotency.ts): claimed (pending) and
      -- fsync'd before the route acts, then its answer (done), fsync'd before it is sent.
      -- POST /api/v1/commands keeps its own, committed with the command (command_idempotency).
      CREATE TABLE http_idempotency (
        principal TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,    -- sha256 of method, route, params, query and body
        route TEXT NOT NULL,          -- 'POST /api/v1/alerts/:id/ack', for the operator
        state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
        status INTEGER,               -- the answer's, once done
        content_type TEXT,
        body TEXT,
        created_at INTEGER NOT NULL,  -- wall ms; pruned after 24 h
        PRIMARY KEY (principal, key)
      ) WITHOUT ROWID;
      CREATE INDEX http_idempotency_created ON http_idempotency (created_at);
    `,
  },
];
