import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock } from '../../core/clock.js';
import { silentLog } from '../../core/log.js';
import type { CabinEvent } from '../../src/contract/events.js';
import type { EntityUpdate } from '../../src/contract/entities.js';
import { CLOCK_ENTITY, HeadEndClock } from '../../src/systemd/head-end-clock.js';

function rig(skews: number[]) {
  let mono = 0;
  let wall = 1_763_800_000_000;
  const clock: Clock = { mono: () => mono, wall: () => wall };
  const events: CabinEvent[] = [];
  const entities = new Map<string, EntityUpdate>();
  const hc = new HeadEndClock({
    bus: { publish: (ev) => void events.push(ev) },
    entities: { set: (u) => (entities.set(u.id, u), u as never) },
    seatSkews: () => skews,
    log: silentLog,
    clock,
    every: () => () => undefined, // the test drives the samples
  });
  hc.start();
  return { hc, events, entities, tick: (ms: number, jump = 0) => ((mono += ms), (wall += ms + jump)) };
}

describe('HeadEndClock', () => {
  it('a wall-clock step back by 3 h is logged as one stored event and shown on clock:head-end; steady time is not', () => {
    const r = rig([]);
    r.tick(1000);
    assert.equal(r.hc.sample(), undefined);
    r.tick(1000, -3 * 3600_000);
    assert.equal(r.hc.sample()?.jumpMs, -3 * 3600_000);
    r.tick(1000);
    r.hc.sample();
    assert.deepEqual(r.events.map((e) => e.type), ['clock.jumped']);
    const ent = r.entities.get(CLOCK_ENTITY)!;
    assert.equal(ent.state, 'ok');
    assert.equal(ent.attributes?.jumps, 1);
    assert.equal(ent.attributes?.lastJumpMs, -3 * 3600_000);
  });

  it("reports the seats' consensus offset, far-off beyond 2 min (a dead-RTC seat is an outlier), and back in line", () => {
    const skews = [-600_000, -600_100, -599_900, -600_000, 1_700_000_000_000 - 1_763_800_000_000];
    const r = rig(skews);
    const off = r.hc.checkOffset();
    assert.equal(off?.offsetMs, 600_000);
    assert.equal(off?.outliers, 1);
    assert.equal(r.entities.get(CLOCK_ENTITY)?.state, 'far-off');
    assert.equal(r.entities.get(CLOCK_ENTITY)?.attributes?.seatOffsetMs, 600_000);
    r.hc.checkOffset();
    assert.deepEqual(r.events.map((e) => e.type), ['clock.far-off'], 'reported once, not every round');
    skews.splice(0, skews.length, 20, -30, 10);
    r.hc.checkOffset();
    assert.equal(r.entities.get(CLOCK_ENTITY)?.state, 'ok');
    assert.deepEqual(r.events.map((e) => e.type), ['clock.far-off', 'clock.in-line']);
  });

  it('with fewer than three seats online there is no verdict and no fault', () => {
    const r = rig([-900_000, -900_000]);
    assert.equal(r.hc.checkOffset(), undefined);
    assert.equal(r.entities.get(CLOCK_ENTITY)?.state, 'ok');
    assert.equal(r.entities.get(CLOCK_ENTITY)?.attributes?.seatOffsetMs, null);
    assert.equal(r.events.length, 0);
  });
});
