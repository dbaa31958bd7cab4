import { EventBus } from '../../src/contract/event-bus.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { SeatRegistry } from '../../src/cabin/registry.js';
import { buildLayout, DEFAULT_LAYOUT } from '../../src/config/layout.js';
import { CabinStore } from '../../src/store/cabin-store.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { CORE_MIGRATIONS } from '../../src/store/migrations.js';
import { WRITE_BEHIND_DEFAULTS, WriteBehind, type WriteBehindOptions } from '../../src/store/write-behind.js';
import type { PollRequest } from '../../protocols/seat-poll/types.js';
import { pollBody } from '../helpers/poll.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A 300-seat registry and a store on a fresh database, driven in virtual time: one round = every seat polls once, then one flush. */
async function cabin(opts: Partial<WriteBehindOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'purser-wb-'));
  dirs.push(dir);
  const path = join(dir, 'purser.db');
  const db: Db = openDatabase(path, CORE_MIGRATIONS);
  const layout = buildLayout(DEFAULT_LAYOUT);
  const bus = new EventBus();
  const registry = new SeatRegistry(layout, 1000, bus);
  const store = new CabinStore(db);
  bus.events$.subscribe((ev) => store.queueEvent(ev));
  const commits: { seats: number; events: number }[] = [];
  const wb = new WriteBehind(registry, store, { ...WRITE_BEHIND_DEFAULTS, ...opts, onCommit: (_ms, rows) => commits.push(rows) });
  const wall0 = 1_763_800_000_000;
  let round = 0;
  const seats = layout.seats.map((s) => s.id);
  /** Every seat polls once; `over` may change what some seat reports. */
  const polls = (over: (seat: string, round: number) => Partial<PollRequest> = () => ({})) => {
    round++;
    const mono = round * 1000;
    for (const seat of seats) {
      const body = pollBody(seat, {
        seq: round,
        uptimeMs: 60_000 + mono,
        clockAt: wall0 + mono + (round % 7), // a little skew jitter, as real seats have
        media: { state: 'playing', item: `movie-${seat}`, positionMs: 1000 * round, volume: 6 },
        ...over(seat, round),
      });
      registry.accept(body, { mono, wall: wall0 + mono });
    }
  };
  const stored = () => new Map(store.loadSnapshots().map((s) => [s.seat, s]));
  return { db, path, registry, store, wb, commits, polls, seats, stored, reopen: () => new CabinStore(openDatabase(path, CORE_MIGRATIONS)) };
}

describe('write-behind', () => {
  it('a steady cabin of 300 seats polling unchanged does not rewrite 300 rows a flush', async () => {
    const c = await cabin();
    assert.equal(c.wb.churnPerFlush, 5, '300 seats x 1 s / 60 s');
    c.polls();
    c.wb.flush();
    while (c.wb.busy) await nextTurn();
    const first = c.commits.reduce((a, r) => ({ seats: a.seats + r.seats, events: a.events + r.events }), { seats: 0, events: 0 });
    assert.deepEqual(first, { seats: 300, events: 600 }, 'first poll: every seat online with its LRU installed');

    const before = c.store.written;
    for (let i = 0; i < 30; i++) {
      c.commits.length = 0;
      c.polls(); // uptime, seq, media position, clock skew and last-poll time change; nothing else
      c.wb.flush();
      assert.equal(c.wb.busy, false, 'a small flush is one transaction');
      assert.deepEqual(c.commits, [{ seats: 5, events: 0 }]);
    }
    const w = c.store.written;
    assert.equal(w.seatRows - before.seatRows, 150, '30 flushes x 5 rows, not 30 x 300');
    assert.equal(w.eventRows, before.eventRows);
  });

  it('comes round to every churned seat within the refresh time, longest-unwritten first', async () => {
    const c = await cabin();
    c.polls();
    c.wb.flush();
    while (c.wb.busy) await nextTurn();
    for (let i = 0; i < 60; i++) {
      c.polls();
      c.wb.flush();
    }
    const stored = c.stored();
    const seqs = c.seats.map((s) => stored.get(s)!.seq);
    assert.ok(seqs.every((q) => q > 1), 'every seat written again within 60 flushes (a minute)');
  });

  it('writes a seat whose last-known state changed at the next flush, and only it', async () => {
    const c = await cabin({ churnRefreshMs: Number.POSITIVE_INFINITY });
    c.polls();
    c.wb.flush();
    while (c.wb.busy) await nextTurn();
    c.polls();
    c.commits.length = 0;
    c.wb.flush();
    assert.equal(c.commits.length, 0, 'churn only, and no churn budget: nothing to write');

    const changes: Record<string, Partial<PollRequest>> = {
      '1A': { media: { state: 'playing', item: 'another-movie', positionMs: 5, volume: 6 } },
      '2B': { faults: [{ code: 'DISK_SMART', severity: 'warn', sinceMs: 10 }] },
      '3C': { ackCmd: 4 },
      '4D': { media: { state: 'paused', item: 'movie-4D', positionMs: 5, volume: 6 } },
      '5E': { lru: { serial: 'GP3-5E', model: 'gp3', firmware: '2.5.0', mac: '02:00:00:00:01:2c' } },
      '6F': { update: { state: 'downloading', version: '2.5.0', progress: 0.1 } },
      '7A': { inputs: { call: { on: true, sinceMs: 20 } } },
      '8B': { media: { state: 'playing', item: 'movie-8B', positionMs: 5, volume: 3 } },
    };
    c.polls((seat) => changes[seat] ?? {});
    c.wb.flush();
    assert.equal(c.commits.length, 1);
    assert.equal(c.commits[0]!.seats, Object.keys(changes).length);
    const stored = c.stored();
    assert.equal(stored.get('1A')!.media?.item, 'another-movie');
    assert.deepEqual(stored.get('2B')!.faults.map((f) => f.code), ['DISK_SMART']);
    assert.equal(stored.get('3C')!.ackCmd, 4);
    assert.equal(stored.get('4D')!.media?.state, 'paused');
    assert.equal(stored.get('5E')!.lru?.firmware, '2.5.0');
    assert.equal(stored.get('6F')!.update?.state, 'downloading');
    assert.equal(stored.get('7A')!.inputs.call?.on, true);
    assert.equal(stored.get('8B')!.media?.volume, 3);

    // Progress of the same download is churn.
    c.commits.length = 0;
    c.polls((seat) => (seat === '6F' ? { update: { state: 'downloading', version: '2.5.0', progress: 0.5 } } : { ...changes[seat], ...(seat === '7A' ? { inputs: { call: { on: true, sinceMs: 1020 } } } : {}) }));
    c.wb.flush();
    assert.deepEqual(c.commits, []);
  });

  it('writes everything, churn included, at stop; a reopened store has the seats as they last polled', async () => {
    const c = await cabin();
    for (let i = 0; i < 5; i++) {
      c.polls();
      c.wb.flush();
      while (c.wb.busy) await nextTurn();
    }
    c.polls();
    c.wb.flushAll();
    c.db.close();
    const snaps = c.reopen().loadSnapshots();
    assert.equal(snaps.length, 300);
    assert.ok(snaps.every((s) => s.seq === 6 && s.media?.positionMs === 6000));
  });

  it('commits a large flush in slices of at most sliceRows rows, one per turn of the event loop', async () => {
    const c = await cabin({ sliceRows: 100 });
    c.polls(); // 300 snapshots and 600 events at once
    c.wb.flush();
    assert.equal(c.commits.length, 1, 'only the first slice runs now');
    assert.equal(c.commits[0]!.seats + c.commits[0]!.events, 100);
    assert.equal(c.wb.busy, true);
    c.polls();
    c.wb.flush(); // while slices are pending, a flush leaves the new changes for later
    let turns = 0;
    while (c.wb.busy) {
      await nextTurn();
      turns++;
    }
    assert.ok(turns >= 8, `${turns} turns`);
    assert.ok(c.commits.every((r) => r.seats + r.events <= 100));
    const total = c.commits.reduce((a, r) => a + r.seats + r.events, 0);
    assert.equal(total, 900);
    assert.equal(c.store.pendingRows, 0);
    assert.equal(c.stored().size, 300);
    assert.equal(c.store.recentEvents({ limit: 500 }).length, 500);
  });

  it('a failed flush loses nothing: its seats and events are written by the next one', async () => {
    const errors: Error[] = [];
    const c = await cabin({ churnRefreshMs: Number.POSITIVE_INFINITY, onError: (e) => errors.push(e) });
    c.polls();
    c.wb.flush();
    while (c.wb.busy) await nextTurn();
    c.polls((seat) => (seat === '7A' ? { inputs: { call: { on: true, sinceMs: 20 } } } : {}));
    c.db.exec('ALTER TABLE events RENAME TO events_away');
    c.wb.flush();
    while (c.wb.busy) await nextTurn();
    assert.equal(errors.length, 1, 'the failure is reported');
    assert.ok(c.store.pendingRows > 0, 'its rows wait in the queue');
    c.db.exec('ALTER TABLE events_away RENAME TO events');
    c.wb.flush();
    while (c.wb.busy) await nextTurn();
    assert.equal(c.store.pendingRows, 0);
    assert.ok(c.store.recentEvents({ limit: 50 }).some((e) => e.type === 'call.pressed' && e.seat === '7A'), 'the call is in the history');
    assert.equal(c.stored().get('7A')?.inputs?.call?.on, true);
  });
});
