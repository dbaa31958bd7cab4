import assert from 'node:assert/strict';
import { it } from 'node:test';
import { control } from '../../src/firmware/rollout/control.js';
import { detail } from '../../src/firmware/rollout/view.js';
import { Bench } from '../firmware-rollout/harness.js';

const statuses = (b: Bench) => detail(b.r).groups.map((g) => `${g.kind}:${g.status}`);

it('the group being rolled out is as active as its rollout: halted, paused or cancelled with it', () => {
  const b = new Bench(4, { canary: 2, batchSize: 2, retries: 0, errorThreshold: { percent: 0, seats: 0 } });
  b.plan();
  b.tick();
  assert.deepEqual(statuses(b), ['canary:active', 'batch:waiting']);
  const paused = control(b.r, 'pause', 'tech', b.now);
  assert.ok(paused.ok);
  assert.deepEqual(detail(paused.decision.rollout).groups.map((g) => g.status), ['paused', 'waiting']);
  b.fail(b.r.seats.find((s) => s.group === 0)!.seat);
  b.tick();
  assert.equal(b.r.state, 'halted');
  assert.deepEqual(statuses(b), ['canary:halted', 'batch:waiting']);
  const cancelled = control(b.r, 'cancel', 'tech', b.now);
  assert.ok(cancelled.ok);
  assert.deepEqual(detail(cancelled.decision.rollout).groups.map((g) => g.status), ['cancelled', 'cancelled'], 'a cancelled rollout starts no group');
});

it('a technician’s retry clears the failed seats’ errors; a seat failing again has its new one', () => {
  const b = new Bench(2, { canary: 0, batchSize: 2, retries: 0, errorThreshold: { percent: 0, seats: 0 } });
  b.plan();
  b.tick();
  b.fail('1A', 'sha256 mismatch');
  b.tick();
  assert.equal(b.r.state, 'halted');
  const retried = control(b.r, 'retry', 'tech', b.now);
  assert.ok(retried.ok);
  b.r = retried.decision.rollout;
  const seat = b.r.seats.find((s) => s.seat === '1A')!;
  assert.equal(seat.state, 'pending');
  assert.equal(seat.error, undefined);
  b.tick();
  assert.equal(b.state('1A'), 'sent');
  assert.equal(detail(b.r).seats.find((s) => s.seat === '1A')!.error, undefined);
  b.fail('1A', 'signature does not verify');
  b.tick();
  assert.equal(b.r.seats.find((s) => s.seat === '1A')!.error, 'signature does not verify');
});
