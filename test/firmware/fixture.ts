import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { FIRMWARE_MIGRATIONS, FirmwareCatalog } from '../../firmware/catalog.js';
import type { HashPool } from '../../firmware/hash-pool.js';
import { FirmwareKeys } from '../../firmware/keys.js';

export interface Fixture {
  /** The TFTP root the catalog publishes into. */
  root: string;
  db: Database.Database;
  keys: FirmwareKeys;
  catalog: FirmwareCatalog;
  /** Writes an image to import, outside the root (as on a USB drive). */
  source(name: string, bytes: Buffer): Promise<string>;
  /** A new catalog over the same database and files, as after a power cut. */
  restart(keys?: FirmwareKeys): FirmwareCatalog;
  close(): Promise<void>;
}

/** A catalog in a fresh temp dir; with a signing key unless `keys` is given. */
export async function fixture(pool: HashPool, keys?: FirmwareKeys): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'purser-fw-'));
  const root = join(dir, 'tftp');
  const db = new Database(join(dir, 'purser.db'));
  // As the controller's store opens it: commits not fsync'd unless the writer asks.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const sql of FIRMWARE_MIGRATIONS) db.exec(sql);
  const held = keys ?? (await FirmwareKeys.loadOrCreateSigningKey(join(dir, 'state')));
  const log = pino({ level: 'silent' });
  const open = (k: FirmwareKeys): FirmwareCatalog => new FirmwareCatalog({ db, root, keys: k, pool, log });
  return {
    root,
    db,
    keys: held,
    catalog: open(held),
    async source(name, bytes) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      return path;
    },
    restart: (k = held) => open(k),
    async close() {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
