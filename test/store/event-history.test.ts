import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { CabinStore, EVENT_HISTORY_LIMIT, PRUNE_EVERY_TRANSACTIONS } from '../../src/store/cabin-store.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { CORE_MIGRATIONS } from '../../src/store/migrations.js';

let dir: string;
let db: Db;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-history-'));
  db = openDatabase(join(dir, 'purser.db'), CORE_MIGRATIONS);
});
after(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

it('the event history is pruned to its newest events, oldest first, about once a minute of flushes', () => {
  assert.equal(EVENT_HISTORY_LIMIT, 200_000, 'docs/architecture.md says so');
  const limit = 100;
  const store = new CabinStore(db, limit);
  const count = () => (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  let n = 0;
  const flushCalls = () => {
    for (let i = 0; i < 10; i++) store.queueEvent({ type: 'call.pressed', seat: '7A', at: 1_763_800_000_000 + ++n } as never);
    store.flush();
  };
  for (let t = 1; t < PRUNE_EVERY_TRANSACTIONS; t++) flushCalls();
  assert.equal(count(), (PRUNE_EVERY_TRANSACTIONS - 1) * 10, 'nothing pruned between prunes');
  flushCalls();
  assert.equal(count(), limit, `the ${PRUNE_EVERY_TRANSACTIONS}th flush prunes to the newest ${limit}`);
  const kept = store.recentEvents({ limit: 500 }).map((e) => e.at - 1_763_800_000_000);
  assert.equal(kept[0], n, 'the newest is kept');
  assert.equal(kept.at(-1), n - limit + 1, 'and the oldest kept is the limit-th newest');
});
