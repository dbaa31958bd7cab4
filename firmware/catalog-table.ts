import type Database from 'better-sqlite3';
import { writeAhead } from '../core/write-ahead.js';
import type { FirmwareManifest } from './manifest.js';

/**
 * DDL for the central store's versioned migrations, in order. Append new
 * steps; never edit a step that has shipped.
 */
export const FIRMWARE_MIGRATIONS: string[] = [
  `CREATE TABLE firmware_images (
    model       TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    size        INTEGER NOT NULL CHECK (size > 0),
    sha256      TEXT    NOT NULL CHECK (length(sha256) = 64),
    signature   TEXT    NOT NULL,
    signed_at   INTEGER,
    key_id      TEXT,
    state       TEXT    NOT NULL CHECK (state IN ('ready', 'quarantined')),
    reason      TEXT    CHECK ((state = 'ready') = (reason IS NULL)),
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (model, version)
  ) STRICT`,
];

export type FirmwareState = 'ready' | 'quarantined';

export interface FirmwareRecord extends FirmwareManifest {
  /** Only `ready` images are listed as servable and served. */
  state: FirmwareState;
  /** Why it was quarantined. */
  reason?: string;
  /** Epoch ms (wall clock: for display only). */
  importedAt: number;
}

interface Row {
  model: string;
  version: string;
  size: number;
  sha256: string;
  signature: string;
  signed_at: number | null;
  key_id: string | null;
  state: FirmwareState;
  reason: string | null;
  imported_at: number;
}

/** The `firmware_images` rows. Every write is durable when it returns. */
export class FirmwareTable {
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[string, string], Row>;
  readonly #list: Database.Statement<[], Row>;
  readonly #putReady: Database.Statement<[Row]>;
  readonly #quarantine: Database.Statement<[string, string, string]>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#get = db.prepare('SELECT * FROM firmware_images WHERE model = ? AND version = ?');
    this.#list = db.prepare('SELECT * FROM firmware_images ORDER BY model, version');
    this.#putReady = db.prepare(
      `INSERT INTO firmware_images (model, version, size, sha256, signature, signed_at, key_id, state, reason, imported_at)
       VALUES (@model, @version, @size, @sha256, @signature, @signed_at, @key_id, @state, @reason, @imported_at)
       ON CONFLICT (model, version) DO UPDATE SET
         size = excluded.size, sha256 = excluded.sha256, signature = excluded.signature,
         signed_at = excluded.signed_at, key_id = excluded.key_id,
         state = excluded.state, reason = excluded.reason, imported_at = excluded.imported_at`,
    );
    this.#quarantine = db.prepare(
      `UPDATE firmware_images SET state = 'quarantined', reason = ? WHERE model = ? AND version = ?`,
    );
  }

  get(model: string, version: string): FirmwareRecord | undefined {
    const row = this.#get.get(model, version);
    return row && toRecord(row);
  }

  list(): FirmwareRecord[] {
    return this.#list.all().map(toRecord);
  }

  putReady(m: FirmwareManifest, importedAt: number): void {
    this.#durably(() => this.#putReady.run({
      model: m.model,
      version: m.version,
      size: m.size,
      sha256: m.sha256,
      signature: m.signature,
      signed_at: m.signedAt ?? null,
      key_id: m.keyId ?? null,
      state: 'ready',
      reason: null,
      imported_at: importedAt,
    }));
  }

  quarantine(model: string, version: string, reason: string): void {
    this.#durably(() => this.#quarantine.run(reason, model, version));
  }

  /** A firmware row must survive a power cut: committed and fsync'd. */
  #durably(write: () => unknown): void {
    writeAhead(this.#db, write);
  }
}

function toRecord(r: Row): FirmwareRecord {
  return {
    model: r.model,
    version: r.version,
    size: r.size,
    sha256: r.sha256,
    signature: r.signature,
    ...(r.signed_at === null ? {} : { signedAt: r.signed_at }),
    ...(r.key_id === null ? {} : { keyId: r.key_id }),
    state: r.state,
    ...(r.reason === null ? {} : { reason: r.reason }),
    importedAt: r.imported_at,
  };
}
