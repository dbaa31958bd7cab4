import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { FIRMWARE_MIGRATIONS, FirmwareTable } from '../../firmware/catalog-table.js';
import type { FirmwareManifest } from '../../firmware/manifest.js';

function table(): { db: Database.Database; rows: FirmwareTable } {
  const db = new Database(':memory:');
  for (const sql of FIRMWARE_MIGRATIONS) db.exec(sql);
  return { db, rows: new FirmwareTable(db) };
}

const manifest: FirmwareManifest = {
  model: 'gp3',
  version: '2.5.0',
  size: 10,
  sha256: 'c'.repeat(64),
  signature: 's',
  keyId: '0123456789abcdef',
};

test('a row reads back as the manifest it was written from, then quarantined with its reason', () => {
  const { rows } = table();
  rows.putReady(manifest, 1000);
  assert.deepEqual(rows.get('gp3', '2.5.0'), { ...manifest, state: 'ready', importedAt: 1000 });
  rows.quarantine('gp3', '2.5.0', 'sha256 mismatch');
  assert.deepEqual(rows.list(), [{ ...manifest, state: 'quarantined', reason: 'sha256 mismatch', importedAt: 1000 }]);
  rows.putReady(manifest, 2000);
  assert.equal(rows.get('gp3', '2.5.0')?.state, 'ready');
  assert.equal(rows.get('gp3', '2.5.0')?.reason, undefined);
});

test('firmware writes leave the store-wide synchronous setting as they found it', () => {
  const { db, rows } = table();
  db.pragma('synchronous = NORMAL');
  rows.putReady(manifest, 1);
  rows.quarantine('gp3', '2.5.0', 'x');
  assert.equal(db.pragma('synchronous', { simple: true }), 1);
});
