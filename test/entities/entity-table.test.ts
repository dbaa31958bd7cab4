import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { EntityChange } from '../../src/contract/entities.js';
import { EntityTable } from '../../src/entities/entity-states.js';
import { openDatabase } from '../../src/store/database.js';
import { CORE_MIGRATIONS } from '../../src/store/migrations.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('the state machine of entities', () => {
  it('publishes a change only when something a person would see changed; keeps when the state began', async () => {
    const d = await mkdtemp(join(tmpdir(), 'purser-ent-'));
    dirs.push(d);
    const db = openDatabase(join(d, 'p.db'), CORE_MIGRATIONS);
    let now = 1000;
    const t = new EntityTable(db, () => now);
    const changes: EntityChange[] = [];
    t.changes$.subscribe((c) => changes.push(c));
    t.set({ id: 'channel:news', kind: 'channel', state: 'starting', attributes: { packets: 0 } });
    now = 2000;
    t.set({ id: 'channel:news', kind: 'channel', state: 'starting', attributes: { packets: 0 } });
    assert.equal(changes.length, 1, 'the same again is no change');
    now = 3000;
    const e = t.set({ id: 'channel:news', kind: 'channel', state: 'starting', attributes: { packets: 7 } });
    assert.equal(e.changedAt, 1000, 'state unchanged: changedAt stays');
    assert.equal(e.updatedAt, 3000);
    now = 4000;
    assert.equal(t.set({ id: 'channel:news', kind: 'channel', state: 'on-air', attributes: { packets: 9 } }).changedAt, 4000);
    t.set({ id: 'drive:sdb1', kind: 'drive', state: 'copying' });
    assert.deepEqual(t.all('channel').map((x) => x.id), ['channel:news']);
    t.remove('drive:sdb1');
    assert.deepEqual(changes.at(-1), { type: 'removed', id: 'drive:sdb1', kind: 'drive' });
    db.close();
  });

  it('last-known state survives a restart, marked restored until its owner sets it again; a removal too', async () => {
    const d = await mkdtemp(join(tmpdir(), 'purser-ent-'));
    dirs.push(d);
    const path = join(d, 'p.db');
    let db = openDatabase(path, CORE_MIGRATIONS);
    let t = new EntityTable(db);
    t.set({ id: 'pa:cabin', kind: 'pa', state: 'flightdeck', name: 'PA', attributes: { since: 5 } });
    t.set({ id: 'drive:sdb1', kind: 'drive', state: 'copying' });
    assert.equal(t.flush(), 2);
    t.remove('drive:sdb1');
    t.flush();
    db.close();
    db = openDatabase(path, CORE_MIGRATIONS);
    t = new EntityTable(db);
    assert.deepEqual(t.all().map((e) => e.id), ['pa:cabin']);
    assert.deepEqual(t.get('pa:cabin')?.attributes, { since: 5, restored: true });
    assert.equal(t.get('pa:cabin')?.name, 'PA');
    t.set({ id: 'pa:cabin', kind: 'pa', state: 'idle', attributes: {} });
    assert.equal(t.get('pa:cabin')?.attributes.restored, undefined);
    db.close();
  });

  it('a failed flush forgets nothing: the next one writes it', async () => {
    const d = await mkdtemp(join(tmpdir(), 'purser-ent-'));
    dirs.push(d);
    const db = openDatabase(join(d, 'p.db'), CORE_MIGRATIONS);
    const t = new EntityTable(db);
    t.set({ id: 'x:1', kind: 'x', state: 'ok' });
    db.exec('ALTER TABLE entities RENAME TO entities_gone');
    assert.throws(() => t.flush());
    assert.equal(t.unwritten, 1);
    db.exec('ALTER TABLE entities_gone RENAME TO entities');
    assert.equal(t.flush(), 1);
    assert.equal(t.unwritten, 0);
    db.close();
  });
});
