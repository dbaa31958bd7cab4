import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeatRegistry } from '../../src/cabin/registry.js';
import { EventBus } from '../../src/contract/event-bus.js';
import type { CabinEvent } from '../../src/contract/events.js';
import { buildLayout, DEFAULT_LAYOUT } from '../../src/config/layout.js';
import type { PollRequest } from '../../protocols/seat-poll/types.js';
import { pollBody } from '../helpers/poll.js';

/** A registry driven by virtual time: `at(ms)` advances both clocks together. */
function harness() {
  const bus = new EventBus();
  const reg = new SeatRegistry(buildLayout(DEFAULT_LAYOUT), 1000, bus);
  const events: CabinEvent[] = [];
  bus.events$.subscribe((e) => events.push(e));
  let mono = 0;
  const wall0 = 1_763_800_000_000;
  const now = () => ({ mono, wall: wall0 + mono });
  const seqs = new Map<string, number>();
  return {
    reg,
    events,
    wall0,
    advance(ms: number) {
      mono += ms;
      reg.tick(now());
    },
    poll(seat: string, over: Partial<PollRequest> = {}) {
      const key = `${seat}/${over.bootId ?? 'boot-1'}/${over.lru?.serial ?? ''}`;
      const seq = over.seq ?? (seqs.get(key) ?? 0) + 1;
      seqs.set(key, seq);
      return reg.accept(pollBody(seat, { seq, clockAt: wall0 + mono, ...over }), now());
    },
    types: () => events.map((e) => `${e.type}${e.seat ? `@${e.seat}` : ''}`),
  };
}

describe('seat registry decisions (virtual time)', () => {
  it('a seat goes online on its first poll and offline after 3 missed intervals, not before', () => {
    const h = harness();
    h.poll('12A');
    assert.equal(h.reg.get('12A')?.status, 'online');
    h.advance(3000);
    assert.equal(h.reg.get('12A')?.status, 'online', 'exactly 3 intervals is still online');
    h.advance(1);
    assert.equal(h.reg.get('12A')?.status, 'offline');
    assert.deepEqual(h.types(), ['seat.online@12A', 'lru.installed@12A', 'seat.offline@12A']);
    h.poll('12A');
    assert.equal(h.reg.get('12A')?.status, 'online');
  });

  it('a new bootId is a reboot; a late duplicate poll of the same boot is not applied', () => {
    const h = harness();
    h.poll('1A', { seq: 10, media: { state: 'playing', item: 'm1', positionMs: 5 } });
    const stale = h.poll('1A', { seq: 9, media: { state: 'idle' } });
    assert.equal(stale.ok && stale.stale, true);
    assert.equal(h.reg.get('1A')?.media?.state, 'playing');
    h.poll('1A', { bootId: 'boot-2', seq: 1, uptimeMs: 200 });
    const reboot = h.events.find((e) => e.type === 'seat.rebooted');
    assert.deepEqual(reboot && { b: reboot.bootId, p: reboot.previousBootId, u: reboot.uptimeMs }, { b: 'boot-2', p: 'boot-1', u: 200 });
  });

  it('records an LRU swap once the old unit is gone, and an LRU moved to another seat leaves its old seat', () => {
    const h = harness();
    h.poll('5A', { lru: { serial: 'GP3-1', model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:00:01' } });
    // The old unit is pulled; the new one first polls after the move hold (see test/cabin/moves.test.ts for the hold).
    h.advance(120_000);
    h.poll('5A', { lru: { serial: 'GP3-2', model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:00:02' } });
    assert.equal(h.reg.get('5A')?.lru?.serial, 'GP3-2');
    h.advance(4000); // unplugged from 5A: offline there before it polls from 7C
    h.poll('7C', { lru: { serial: 'GP3-2', model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:00:02' } });
    assert.equal(h.reg.get('5A')?.lru, null);
    assert.equal(h.reg.get('7C')?.lru?.serial, 'GP3-2');
    assert.deepEqual(
      h.types().filter((t) => t.startsWith('lru')),
      // Moving: it leaves the old seat before it is installed at the new one.
      ['lru.installed@5A', 'lru.removed@5A', 'lru.installed@5A', 'lru.removed@5A', 'lru.installed@7C'],
    );
  });

  it('dates an attendant-call press with sinceMs, and reports the release', () => {
    const h = harness();
    h.poll('12A');
    h.advance(1000);
    h.poll('12A', { inputs: { call: { on: true, sinceMs: 400 } } });
    const press = h.events.find((e) => e.type === 'call.pressed');
    assert.equal(press?.at, h.wall0 + 1000 - 400);
    h.advance(1000);
    h.poll('12A', { inputs: { call: { on: true, sinceMs: 1400 } } });
    assert.equal(h.events.filter((e) => e.type === 'call.pressed').length, 1, 'a held button is one press');
    h.advance(1000);
    h.poll('12A', { inputs: { call: { on: false, sinceMs: 100 } } });
    assert.equal(h.events.filter((e) => e.type === 'call.released').length, 1);
  });

  it('raises faults dated by sinceMs and clears them when the seat stops reporting them', () => {
    const h = harness();
    h.poll('2B', { faults: [{ code: 'DISK_SMART', severity: 'warn', sinceMs: 1000 }] });
    h.advance(1000);
    h.poll('2B', { faults: [{ code: 'DISK_SMART', severity: 'warn', sinceMs: 2000 }] });
    h.advance(1000);
    h.poll('2B', { faults: [] });
    const f = h.events.filter((e) => e.type.startsWith('fault'));
    assert.deepEqual(f.map((e) => e.type), ['fault.raised', 'fault.cleared']);
    assert.equal(f[0]!.at, h.wall0 - 1000);
    assert.deepEqual(h.reg.get('2B')?.faults, []);
  });

  it('raises INPUT_FLAPPING for a call button toggling more than 20 times a minute, suppresses its calls, clears after a quiet minute', () => {
    const h = harness();
    h.poll('30F');
    let on = false;
    for (let i = 0; i < 15; i++) {
      h.advance(1000);
      on = !on;
      h.poll('30F', { inputs: { call: { on, sinceMs: 100 } } });
    }
    const flap = h.events.filter((e) => e.type === 'fault.raised' && e.code === 'INPUT_FLAPPING');
    assert.equal(flap.length, 0, '15 edges in 15 s is not yet flapping');
    for (let i = 0; i < 10; i++) {
      h.advance(1000);
      on = !on;
      h.poll('30F', { inputs: { call: { on, sinceMs: 100 } } });
    }
    assert.equal(h.events.filter((e) => e.type === 'fault.raised' && e.code === 'INPUT_FLAPPING').length, 1);
    const callsBefore = h.events.filter((e) => e.type === 'call.pressed').length;
    for (let i = 0; i < 4; i++) {
      h.advance(1000);
      on = !on;
      h.poll('30F', { inputs: { call: { on, sinceMs: 100 } } });
    }
    assert.equal(h.events.filter((e) => e.type === 'call.pressed').length, callsBefore, 'no call alerts while flapping');
    for (let i = 0; i < 61; i++) {
      h.advance(1000);
      h.poll('30F', { inputs: { call: { on, sinceMs: 100_000 } } });
    }
    assert.ok(h.events.some((e) => e.type === 'fault.cleared' && e.code === 'INPUT_FLAPPING'));
    assert.deepEqual(h.reg.get('30F')?.faults, []);
  });

  it('counts two edges when the input changed between polls but reads the same', () => {
    const h = harness();
    h.poll('31A');
    for (let i = 0; i < 11; i++) {
      h.advance(1000);
      h.poll('31A', { inputs: { call: { on: false, sinceMs: 300 } } });
    }
    assert.ok(h.reg.get('31A')?.faults.some((f) => f.code === 'INPUT_FLAPPING'), '22 proven edges in 11 s');
  });

  it('restores snapshots as offline until the seat polls again', () => {
    const h = harness();
    h.poll('12A');
    const snaps = h.reg.takeDirty();
    const reg2 = new SeatRegistry(buildLayout(DEFAULT_LAYOUT), 1000, new EventBus());
    reg2.restore(snaps);
    assert.equal(reg2.get('12A')?.status, 'offline');
    assert.equal(reg2.get('12A')?.lru?.serial, 'GP3-12A');
  });

  it('keeps the previous objects for what did not change, and takes the poll\'s for what did', () => {
    const h = harness();
    const media = { state: 'playing' as const, item: 'm1', positionMs: 1000, volume: 5 };
    h.poll('40A', { media: { ...media } });
    h.advance(1000);
    h.poll('40A', { media: { ...media } });
    const a = h.reg.get('40A')!;
    h.advance(1000);
    h.poll('40A', { media: { ...media }, uptimeMs: 9000 });
    const b = h.reg.get('40A')!;
    assert.notEqual(a, b);
    assert.equal(b.uptimeMs, 9000);
    for (const k of ['lru', 'media', 'inputs', 'faults', 'update'] as const) assert.equal(b[k], a[k], `${k} kept`);

    h.advance(1000);
    h.poll('40A', { media: { ...media, positionMs: 4000 }, inputs: { call: { on: true, sinceMs: 10 } }, update: { state: 'downloading', version: '2.5.0', progress: 0.2 } });
    const c = h.reg.get('40A')!;
    assert.equal(c.media?.positionMs, 4000);
    assert.equal(c.inputs.call?.on, true);
    assert.equal(c.update?.state, 'downloading');
    assert.equal(c.lru, a.lru);
    h.advance(1000);
    h.poll('40A', { media: { ...media, positionMs: 4000 }, inputs: { call: { on: true, sinceMs: 1010 } }, update: { state: 'downloading', version: '2.5.0', progress: 0.6 } });
    const d = h.reg.get('40A')!;
    assert.equal(d.inputs, c.inputs, 'a held button is the same input state');
    assert.equal(d.media, c.media);
    assert.equal(d.update?.progress, 0.6);
  });
});
