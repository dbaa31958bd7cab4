import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FirmwareRecord } from '../../firmware/catalog-table.js';
import type { DiskEntry } from '../../firmware/image-store.js';
import { planStartup } from '../../firmware/startup-plan.js';

function record(model: string, version: string, size: number, state: FirmwareRecord['state'] = 'ready'): FirmwareRecord {
  return { model, version, size, sha256: '0'.repeat(64), signature: '', state, importedAt: 0 };
}
const dir = (rel: string): DiskEntry => ({ rel, kind: 'dir', size: 4096 });
const file = (rel: string, size = 100): DiskEntry => ({ rel, kind: 'file', size });

test('a consistent tree needs nothing done', () => {
  const plan = planStartup([dir('gp3'), file('gp3/2.5.0.img'), file('gp3/2.5.0.json', 300)], [record('gp3', '2.5.0', 100)]);
  assert.deepEqual(plan, { removeTemp: [], quarantineFiles: [], quarantineRows: [], rewriteManifests: [] });
});

test('temp files left by a power cut are removed, whether or not a row exists', () => {
  const plan = planStartup(
    [dir('gp3'), file('gp3/.2.6.0.img.tmp-0a1b2c3d4e5f', 7), file('gp3/.2.5.0.json.tmp-ffffffffffff')],
    [],
  );
  assert.deepEqual(plan.removeTemp, ['gp3/.2.6.0.img.tmp-0a1b2c3d4e5f', 'gp3/.2.5.0.json.tmp-ffffffffffff']);
  assert.deepEqual(plan.quarantineFiles, []);
});

test('an image with no ready row, and its manifest, are quarantined', () => {
  const plan = planStartup(
    [dir('gp3'), file('gp3/2.6.0.img'), file('gp3/2.6.0.json'), file('gp3/2.4.0.img')],
    [record('gp3', '2.4.0', 100, 'quarantined')],
  );
  assert.deepEqual(
    plan.quarantineFiles.map((q) => q.rel),
    ['gp3/2.6.0.img', 'gp3/2.4.0.img', 'gp3/2.6.0.json'],
  );
  assert.deepEqual(plan.quarantineRows, []);
});

test('a size mismatch quarantines both the file and the row; a missing file, the row', () => {
  const plan = planStartup(
    [dir('gp3'), file('gp3/2.5.0.img', 99), file('gp3/2.5.0.json')],
    [record('gp3', '2.5.0', 100), record('gp3', '2.6.0', 100)],
  );
  assert.deepEqual(plan.quarantineRows, [
    { model: 'gp3', version: '2.5.0', reason: 'size on disk 99 bytes, catalog says 100' },
    { model: 'gp3', version: '2.6.0', reason: 'image file missing' },
  ]);
  assert.deepEqual(
    plan.quarantineFiles.map((q) => q.rel),
    ['gp3/2.5.0.img', 'gp3/2.5.0.json'],
  );
});

test('a ready image whose manifest is gone gets it written again', () => {
  const r = record('gp3', '2.5.0', 100);
  assert.deepEqual(planStartup([dir('gp3'), file('gp3/2.5.0.img')], [r]).rewriteManifests, [r]);
});

test('anything else in the tree is quarantined, a stray top-level directory as a whole', () => {
  const plan = planStartup(
    [
      dir('GP3'),
      file('GP3/2.5.0.img'),
      file('README'),
      dir('gp3'),
      file('gp3/notes.txt'),
      dir('gp3/2.5.0.img'),
      { rel: 'gp3/2.7.0.img', kind: 'other', size: 0 },
      file('gp3/..img'),
    ],
    [],
  );
  assert.deepEqual(
    plan.quarantineFiles.map((q) => q.rel),
    ['GP3', 'README', 'gp3/notes.txt', 'gp3/2.5.0.img', 'gp3/2.7.0.img', 'gp3/..img'],
  );
});
