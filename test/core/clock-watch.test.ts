import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { clockOffset, watchClock, type ClockJump } from '../../core/clock-watch.js';

/** A clock the test moves: both advance together unless the wall is stepped. */
function fakeClock(): { mono(): number; wall(): number; advance(ms: number): void; stepWall(ms: number): void } {
  let mono = 1000;
  let wall = Date.UTC(2025, 0, 1, 12);
  return {
    mono: () => mono,
    wall: () => wall,
    advance(ms) {
      mono += ms;
      wall += ms;
    },
    stepWall(ms) {
      wall += ms;
    },
  };
}

function setup(): { clock: ReturnType<typeof fakeClock>; jumps: ClockJump[]; tick: () => void; stopped: () => boolean } {
  const clock = fakeClock();
  const jumps: ClockJump[] = [];
  let fn: (() => void) | undefined;
  let stopped = false;
  watchClock({
    clock,
    onJump: (j) => jumps.push(j),
    sampleMs: 1000,
    every: (f) => {
      fn = f;
      return () => (stopped = true);
    },
  });
  return { clock, jumps, tick: () => fn!(), stopped: () => stopped };
}

test('a steady clock reports no jump, even with a late sample or a small slew', () => {
  const { clock, jumps, tick } = setup();
  for (let i = 0; i < 100; i++) {
    clock.advance(1000);
    tick();
  }
  clock.advance(7000); // the event loop was stuck: both clocks moved alike
  tick();
  clock.advance(1000);
  clock.stepWall(300); // NTP-sized correction
  tick();
  assert.deepEqual(jumps, []);
});

test('the wall clock stepped 2 h forward, then 1 h back: two jumps with their size', () => {
  const { clock, jumps, tick } = setup();
  clock.advance(1000);
  tick();
  clock.advance(1000);
  clock.stepWall(2 * 3600_000);
  tick();
  clock.advance(1000);
  tick();
  clock.advance(500);
  clock.stepWall(-3600_000);
  tick();
  assert.equal(jumps.length, 2);
  assert.equal(jumps[0]!.jumpMs, 2 * 3600_000);
  assert.equal(jumps[0]!.at, clock.wall() - 1500 + 3600_000);
  assert.equal(jumps[1]!.jumpMs, -3600_000);
  assert.equal(jumps[1]!.at, clock.wall());
  assert.equal(jumps[1]!.monoAt, clock.mono());
});

test('a listener that throws does not stop the watch; stop() cancels the timer', () => {
  const clock = fakeClock();
  let calls = 0;
  let fn: (() => void) | undefined;
  let cancelled = false;
  const w = watchClock({
    clock,
    onJump: () => {
      calls++;
      throw new Error('listener bug');
    },
    every: (f) => {
      fn = f;
      return () => (cancelled = true);
    },
  });
  clock.stepWall(10_000);
  fn!();
  clock.stepWall(-10_000);
  assert.ok(w.sample());
  assert.equal(calls, 2);
  w.stop();
  assert.ok(cancelled);
});

test('the real timer notices nothing on this machine in a few samples', async () => {
  const jumps: ClockJump[] = [];
  const w = watchClock({ onJump: (j) => jumps.push(j), sampleMs: 20 });
  await new Promise((r) => setTimeout(r, 120));
  w.stop();
  assert.deepEqual(jumps, []);
});

const NOW = Date.UTC(2025, 5, 1);
const seat = (skewMs: number, i = 0) => ({ clockAt: NOW + i * 1000 + skewMs, receivedAt: NOW + i * 1000 });

test('clockOffset: the median skew of the seats, outliers ignored, "far off" beyond the threshold', () => {
  // 8 seats agree the controller is 1 h behind; two have dead RTC batteries (1970, 2038).
  const samples = [
    ...[3600_000, 3600_020, 3599_990, 3600_005, 3600_010, 3599_995, 3600_000, 3600_015].map(seat),
    { clockAt: 0, receivedAt: NOW },
    { clockAt: 2_147_483_647_000, receivedAt: NOW },
  ];
  const r = clockOffset(samples, { farOffMs: 60_000 });
  assert.ok(r);
  assert.ok(Math.abs(r.offsetMs + 3600_000) <= 20, `offset ${r.offsetMs}`);
  assert.equal(r.outliers, 2);
  assert.equal(r.seatsUsed, 8);
  assert.equal(r.farOff, true);

  const close = clockOffset([120, -80, 40, 10].map(seat), { farOffMs: 60_000 });
  assert.deepEqual(close, { offsetMs: -25, farOff: false, seatsUsed: 4, outliers: 0 });
  assert.equal(clockOffset([seat(5), seat(6)]), undefined, 'too few seats');
  assert.equal(clockOffset([seat(5), { clockAt: NaN, receivedAt: NOW }, seat(6)]), undefined);
});

test('clockOffset never throws and stays within the seats it was given (fuzz)', () => {
  const sample = fc.record({ clockAt: fc.double(), receivedAt: fc.double() });
  fc.assert(
    fc.property(fc.array(sample, { maxLength: 40 }), (samples) => {
      const r = clockOffset(samples);
      if (!r) return;
      assert.ok(Number.isFinite(r.offsetMs));
      assert.ok(r.seatsUsed + r.outliers <= samples.length);
      assert.ok(r.seatsUsed >= 3);
    }),
  );
});
