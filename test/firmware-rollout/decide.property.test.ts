import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { DOWNLOADING, IN_FLIGHT } from '../../src/firmware/rollout/model.js';
import { groupPassed } from '../../src/firmware/rollout/thresholds.js';
import { Bench } from './harness.js';

const seatMove = fc.constantFrom('wait', 'downloading', 'verifying', 'succeed', 'fail', 'rollback');

it('whatever the seats do: the download cap holds, no group starts early, and it ends completed or halted with a reason', () => {
  fc.assert(
    fc.property(
      fc.record({
        seats: fc.integer({ min: 1, max: 40 }),
        canary: fc.integer({ min: 0, max: 5 }),
        batchSize: fc.integer({ min: 1, max: 15 }),
        maxConcurrent: fc.integer({ min: 1, max: 10 }),
        successThreshold: fc.constantFrom(0.5, 0.8, 1),
        retries: fc.integer({ min: 0, max: 2 }),
      }),
      fc.infiniteStream(seatMove),
      (opts, moves) => {
        const b = new Bench(opts.seats, { ...opts, errorThreshold: { percent: 5, seats: 2 } });
        b.plan();
        const it = moves[Symbol.iterator]();
        for (let step = 0; step < 500 && (b.r.state === 'running' || b.r.seats.some((s) => IN_FLIGHT.has(s.state))); step++) {
          const sent = b.sends.length;
          b.advance(5_000); // a seat that only ever waits runs into its timeout
          b.tick();
          const downloading = b.r.seats.filter((s) => DOWNLOADING.has(s.state)).length;
          assert.ok(downloading <= opts.maxConcurrent, `${downloading} downloading, cap ${opts.maxConcurrent}`);
          for (const told of b.sends.slice(sent).flat()) {
            const g = b.r.seats.find((s) => s.seat === told)!.group;
            for (let earlier = 0; earlier < g; earlier++) assert.ok(groupPassed(b.r, earlier), `group ${g} told before group ${earlier} passed`);
          }
          for (const s of b.r.seats) {
            if (s.state === 'pending' || s.state === 'failed' || !IN_FLIGHT.has(s.state)) continue;
            const move = it.next().value;
            // Seats move forward only: one that went back to downloading would break the cap behind our back.
            if (move === 'downloading' && s.state === 'sent') b.report(s.seat, move);
            else if (move === 'verifying') b.report(s.seat, move);
            else if (move === 'succeed') b.succeed(s.seat);
            else if (move === 'fail') b.fail(s.seat);
            else if (move === 'rollback') b.rollBack(s.seat);
          }
        }
        assert.ok(['completed', 'halted'].includes(b.r.state), `ended ${b.r.state}`);
        assert.ok(b.r.reason, 'with a reason');
        if (b.r.state === 'completed') assert.ok(b.r.seats.every((s) => ['updated', 'already', 'failed', 'skipped'].includes(s.state)));
      },
    ),
    { numRuns: 300 },
  );
});
