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
  {
    version: 2,
    name: 'command snapshot and history indexes',
    sql: `
      -- Desired state (DesiredLedger JSON) covering every command up to seq: start-up
      -- folds only what comes after it. One row, replaced in a writeAhead commit.
      CREATE TABLE command_snapshot (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        state TEXT NOT NULL,
        taken_at INTEGER NOT NULL     -- wall ms
      );
      -- Start-up tracks the unexpired; pruning finds the expired.
      CREATE INDEX commands_expires ON commands (expires_at);
      -- History filters (GET /api/v1/commands?cmd=...&issuer=...), newest first.
      CREATE INDEX commands_cmd ON commands (cmd, seq);
      CREATE INDEX commands_issuer ON commands (issuer, seq);
    `,
  },
  {
    version: 3,
    name: 'idempotency keys',
    sql: `
      -- A client's Idempotency-Key and the command it produced, committed with it.
      -- Per issuer: two principals never share a key space. Pruned with the command.
      CREATE TABLE command_idempotency (
        issuer TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,    -- sha256 of the request (body and ttlMs)
        seq INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,  -- the command's, for pruning alongside it
        PRIMARY KEY (issuer, key)
      ) WITHOUT ROWID;
      CREATE INDEX command_idempotency_seq ON command_idempotency (seq);
    `,
  },
  {
    version: 4,
    name: 'command actor',
    sql: `
      -- The person who sent it and the role they acted in, when their PIN is their own
      -- (panel.people). NULL in older rows and for shared PINs, the token, automatic issuers.
      ALTER TABLE commands ADD COLUMN actor_name TEXT;
      ALTER TABLE commands ADD COLUMN actor_role TEXT;
    `,
  },
];
