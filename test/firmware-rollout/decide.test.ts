import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { control } from '../../src/firmware/rollout/control.js';
import { afterRestart, decide } from '../../src/firmware/rollout/decide.js';
import type { Rollout } from '../../src/firmware/rollout/model.js';
import { detail } from '../../src/firmware/rollout/view.js';
import { Bench } from './harness.js';

const ctl = (b: Bench, action: Parameters<typeof control>[1]) => {
  const res = control(b.r, action, 'tech', b.now);
  if (!res.ok) throw new Error(res.message);
  b.r = res.decision.rollout;
};

describe('rollout decisions', () => {
  it('tells the canary seats first, then one batch at a time, each after the previous met its threshold', () => {
    const b = new Bench(12, { canary: 2, batchSize: 5 });
    b.plan();
    assert.deepEqual(b.r.groups.map((g) => `${g.kind}:${g.size}`), ['canary:2', 'batch:5', 'batch:5']);
    b.tick();
    assert.deepEqual(b.sends, [['1A', '2A']]);
    b.succeed('1A');
    b.tick();
    assert.equal(b.sends.length, 1, 'half a canary is not enough at threshold 1.0');
    b.succeed('2A');
    b.tick();
    assert.deepEqual(b.sends[1], ['3A', '4A', '5A', '6A', '7A']);
    for (const s of b.sends[1]!) b.succeed(s);
    b.tick();
    assert.deepEqual(b.sends[2], ['8A', '9A', '10A', '11A', '12A']);
    for (const s of b.sends[2]!) b.succeed(s);
    b.tick();
    assert.equal(b.r.state, 'completed');
    assert.equal(b.r.reason, '12 updated, 0 already on 2.5.0, 0 failed, 0 skipped');
  });

  it('starts the next group once the success threshold is met, while stragglers finish', () => {
    const b = new Bench(10, { canary: 0, batchSize: 5, successThreshold: 0.8 });
    b.plan();
    b.tick();
    for (const s of ['1A', '2A', '3A']) b.succeed(s);
    b.tick();
    assert.equal(b.sends.length, 1, '3 of 5 is below 80 %');
    b.succeed('4A');
    b.tick();
    assert.deepEqual(b.sends[1], ['6A', '7A', '8A', '9A', '10A']);
    assert.equal(b.state('5A'), 'sent', 'the straggler is still followed');
  });

  it('caps concurrent downloads; a seat frees its slot once past downloading', () => {
    const b = new Bench(6, { canary: 0, batchSize: 6, maxConcurrent: 2 });
    b.plan();
    b.tick();
    assert.deepEqual(b.sends, [['1A', '2A']]);
    b.report('1A', 'downloading', { progress: 0.5 });
    b.tick();
    assert.equal(b.sends.length, 1);
    b.report('1A', 'verifying');
    b.tick();
    assert.deepEqual(b.sends[1], ['3A']);
  });

  it('does not count seats that are offline against the download cap', () => {
    const b = new Bench(4, { canary: 0, batchSize: 4, maxConcurrent: 2 });
    b.set('1A', { online: false });
    b.plan();
    b.tick();
    assert.deepEqual(b.sends, [['1A', '2A', '3A']], 'the offline seat is told (it gets the command when back) but holds no slot');
  });

  it('follows a seat through its reports and counts it only once it is back on the version with a new boot', () => {
    const b = new Bench(1, { canary: 0 });
    b.plan();
    b.tick();
    b.report('1A', 'downloading', { progress: 0.25 });
    b.tick();
    assert.equal(b.r.seats[0]!.progress, 0.25);
    for (const state of ['verifying', 'flashing', 'rebooting'] as const) {
      b.report('1A', state);
      b.tick();
      assert.equal(b.state('1A'), state);
    }
    b.set('1A', { firmware: '2.5.0' });
    b.tick();
    assert.equal(b.state('1A'), 'rebooting', 'the version without a new boot proves nothing');
    b.succeed('1A');
    b.tick();
    assert.equal(b.state('1A'), 'updated');
    assert.equal(b.r.state, 'completed');
  });

  it('ignores an old failed report until the seat has acknowledged the new command', () => {
    const b = new Bench(1, { canary: 0, retries: 1 });
    b.plan();
    b.set('1A', { update: { state: 'failed', version: '2.5.0', error: 'from last week' } });
    b.tick();
    b.tick();
    assert.equal(b.state('1A'), 'sent');
    b.fail('1A', 'sha256 mismatch');
    const first = b.seqOf('1A');
    b.tick();
    assert.equal(b.sends.length, 2, 'one retry left: told again at once');
    assert.ok(b.seqOf('1A') > first, 'with a new command');
    assert.match(b.r.seats[0]!.error!, /sha256 mismatch/);
  });

  it('counts a rollback to the old image as a failure, with the reason the seat gives', () => {
    const b = new Bench(3, { canary: 0, retries: 0, errorThreshold: { percent: 0, seats: 5 } });
    b.plan();
    b.tick();
    b.rollBack('1A', 'new image failed to boot; back on 2.4.1');
    b.set('2A', { bootId: 'power-cut', ackCmd: b.seqOf('2A') });
    b.tick();
    assert.equal(b.state('1A'), 'failed');
    assert.equal(b.r.seats.find((s) => s.seat === '1A')!.error, 'new image failed to boot; back on 2.4.1');
    assert.equal(b.r.seats.find((s) => s.seat === '2A')!.error, 'rebooted still running 2.4.1');
  });

  it('times a seat out, retries it within `retries`, then counts it failed', () => {
    const b = new Bench(1, { canary: 0, retries: 1, seatTimeoutMs: 60_000, errorThreshold: { percent: 0, seats: 1 } });
    b.plan();
    b.tick();
    b.report('1A', 'downloading', { progress: 0.1 });
    b.advance(60_001);
    b.tick();
    assert.equal(b.sends.length, 2, 'retried once');
    assert.match(b.r.seats[0]!.error!, /timed out after 60 s \(last state: downloading\)/);
    b.set('1A', { online: false });
    b.advance(60_001);
    b.tick();
    assert.equal(b.state('1A'), 'failed');
    assert.match(b.r.seats[0]!.error!, /last state: sent, seat offline/);
    assert.equal(b.sends.length, 2);
  });

  it('halts by itself once failures exceed the error threshold, says why, and tells no more seats', () => {
    const b = new Bench(20, { canary: 0, batchSize: 20, maxConcurrent: 4, errorThreshold: { percent: 5, seats: 2 } });
    b.plan();
    b.tick();
    for (const s of ['1A', '2A']) b.fail(s);
    b.tick();
    assert.equal(b.r.state, 'running', '2 failures are within max(2, 5 % of 20)');
    b.fail('3A');
    b.tick();
    assert.equal(b.r.state, 'halted');
    assert.equal(b.r.reason, '3 seats failed, more than the 2 the error threshold allows (5 % or 2 seats, whichever is more)');
    const told = b.sends.flat().length;
    b.succeed('4A');
    b.tick();
    assert.equal(b.sends.flat().length, told, 'halted: nobody new is told');
    assert.equal(b.state('4A'), 'updated', 'but seats already told are still followed');
    assert.ok(b.notes.some((n) => n.includes('halted: 3 seats failed')));
  });

  it('uses the percentage when it allows more seats than the count', () => {
    const b = new Bench(100, { canary: 0, batchSize: 100, maxConcurrent: 100, errorThreshold: { percent: 5, seats: 2 } });
    b.plan();
    b.tick();
    for (let i = 1; i <= 5; i++) b.fail(`${i}A`);
    b.tick();
    assert.equal(b.r.state, 'running');
    b.fail('6A');
    b.tick();
    assert.equal(b.r.state, 'halted');
  });

  it('halts when a group settles below its success threshold, naming the group', () => {
    const b = new Bench(5, { canary: 2, batchSize: 3, errorThreshold: { percent: 0, seats: 10 } });
    b.plan();
    b.tick();
    b.succeed('1A');
    b.fail('2A', 'signature does not verify');
    b.tick();
    assert.equal(b.r.state, 'halted');
    assert.equal(b.r.reason, 'the canary group finished with 1 of 2 seats on 2.5.0; the success threshold needs 2');
    assert.equal(b.sends.length, 1);
  });

  it('retries only the failed seats, and goes on to the next group when they succeed', () => {
    const b = new Bench(5, { canary: 2, batchSize: 3, errorThreshold: { percent: 0, seats: 10 } });
    b.plan();
    b.tick();
    b.succeed('1A');
    b.fail('2A');
    b.tick();
    ctl(b, 'retry');
    assert.equal(b.r.state, 'running');
    b.tick();
    assert.deepEqual(b.sends.at(-1), ['2A']);
    b.succeed('2A');
    b.tick();
    assert.deepEqual(b.sends.at(-1), ['3A', '4A', '5A']);
  });

  it('resuming a halted rollout goes past the failed group and accepts its failures', () => {
    const b = new Bench(5, { canary: 2, batchSize: 3, errorThreshold: { percent: 0, seats: 0 } });
    b.plan();
    b.tick();
    b.succeed('1A');
    b.fail('2A');
    b.tick();
    assert.equal(b.r.state, 'halted');
    ctl(b, 'resume');
    b.tick();
    assert.equal(b.r.state, 'running');
    assert.deepEqual(b.sends.at(-1), ['3A', '4A', '5A']);
    assert.equal(detail(b.r).groups[0]!.status, 'waived');
    b.fail('3A');
    b.tick();
    assert.equal(b.r.state, 'halted', 'a new failure counts again');
  });

  it('pauses (telling nobody new, following those told), resumes, and cancels', () => {
    const b = new Bench(4, { canary: 0, batchSize: 2, maxConcurrent: 2 });
    b.plan();
    b.tick();
    ctl(b, 'pause');
    b.succeed('1A');
    b.succeed('2A');
    b.tick();
    assert.equal(b.sends.length, 1);
    assert.equal(b.state('1A'), 'updated');
    ctl(b, 'resume');
    b.tick();
    assert.deepEqual(b.sends[1], ['3A', '4A']);
    ctl(b, 'cancel');
    b.succeed('3A');
    b.tick();
    assert.equal(b.r.state, 'cancelled');
    assert.equal(b.state('3A'), 'updated');
    const again = control(b.r, 'resume', 'tech', b.now);
    assert.equal(again.ok, false);
    assert.match(!again.ok ? again.message : '', /cannot resume rollout 1 of gp3 2.5.0: it is cancelled/);
  });

  it('refuses controls that make no sense, saying why', () => {
    const b = new Bench(2, { canary: 0 });
    b.plan();
    const retry = control(b.r, 'retry', 'tech', b.now);
    assert.deepEqual(retry, { ok: false, message: 'cannot retry rollout 1 of gp3 2.5.0: no seat has failed' });
    const resume = control(b.r, 'resume', 'tech', b.now);
    assert.deepEqual(resume, { ok: false, message: 'cannot resume rollout 1 of gp3 2.5.0: it is running' });
  });

  it('skips seats of another model and counts seats already on the version as done', () => {
    const b = new Bench(4, { canary: 0 });
    b.set('1A', { model: 'gp2' });
    b.set('2A', { firmware: '2.5.0' });
    b.set('3A', { model: null, firmware: null });
    b.plan();
    assert.equal(b.state('1A'), 'skipped');
    assert.equal(b.state('2A'), 'already');
    assert.equal(b.state('3A'), 'skipped');
    b.set('4A', { firmware: '2.5.0' }); // updated by hand since the plan
    b.tick();
    assert.deepEqual(b.sends, []);
    assert.equal(b.state('4A'), 'already');
    assert.equal(b.r.state, 'completed');
    assert.equal(b.r.reason, '0 updated, 2 already on 2.5.0, 0 failed, 2 skipped');
  });

  it('picks online seats for the canary', () => {
    const b = new Bench(4, { canary: 2, batchSize: 2 });
    b.set('1A', { online: false });
    b.plan();
    assert.deepEqual(b.r.seats.filter((s) => s.group === 0).map((s) => s.seat), ['2A', '3A']);
  });

  it('holds (telling nobody) while told to, and halts when the image is gone', () => {
    const b = new Bench(2, { canary: 0 });
    b.plan();
    b.tick({ hold: 'TFTP server down' });
    assert.deepEqual(b.sends, []);
    assert.equal(b.r.holding, 'TFTP server down');
    b.tick();
    assert.equal(b.r.holding, undefined);
    assert.equal(b.sends.length, 1);
    b.tick({ halt: 'image gp3 2.5.0 was quarantined: sha256 on disk differs' });
    assert.equal(b.r.state, 'halted');
    assert.match(b.r.reason!, /quarantined/);
  });

  it('a failed send counts as a failed attempt', () => {
    const b = new Bench(1, { canary: 0, retries: 0, errorThreshold: { percent: 0, seats: 1 } });
    b.plan();
    b.tick({ issue: false });
    b.r = decide(b.r, { type: 'send-failed', seats: ['1A'], error: 'command log full' }, b.now).rollout;
    assert.equal(b.state('1A'), 'failed');
    assert.match(b.r.seats[0]!.error!, /could not send the command: command log full/);
  });

  it('resumes from its persisted form: queued seats are issued again, seats in flight get a fresh timeout', () => {
    const b = new Bench(3, { canary: 0, batchSize: 3, seatTimeoutMs: 60_000 });
    b.plan();
    b.tick({ issue: false }); // committed as queued, then the power went
    const stored = JSON.parse(JSON.stringify(b.r)) as Rollout;
    b.now = { mono: 5, wall: b.now.wall + 30_000 }; // a new process: monotonic time restarts
    b.r = afterRestart(stored, b.now);
    b.tick();
    assert.deepEqual(b.sends, [['1A', '2A', '3A'], ['1A', '2A', '3A']]);
    b.report('1A', 'downloading');
    b.advance(59_000);
    b.tick();
    assert.equal(b.state('1A'), 'downloading', 'not timed out by the old process’s clock');
  });
});

