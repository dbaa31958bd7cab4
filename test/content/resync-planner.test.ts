import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ContentReport } from '../../protocols/seat-poll/types.js';
import { ResyncPlanner, type ResyncSeat } from '../../src/content/resync.js';

const policy = { graceMs: 60_000, seatIntervalMs: 300_000, maxSeatIntervalMs: 3_600_000, seatsPerPlan: 10 };
const seat = (id: string, content: ContentReport | null, over: Partial<ResyncSeat> = {}): ResyncSeat => ({ seat: id, online: true, content, ackCmd: 0, ...over });
const cabin = (n: number, content: ContentReport | null, over: Partial<ResyncSeat> = {}) => Array.from({ length: n }, (_, i) => seat(`S${i}`, content, over));
const OLD: ContentReport = { state: 'ready', version: 'v1' };

describe('which lagging seats get content.sync again (pure)', () => {
  it('leaves seats alone while the publish still waits for them, while they make progress, and once they are current', () => {
    const p = new ResyncPlanner(policy);
    p.setCurrent('v2');
    p.sent('all', 10, 600_000, 0);
    assert.deepEqual(p.plan(0, 0, cabin(300, OLD)), [], 'the sync to every seat is on its way in their poll answers');
    assert.deepEqual(p.plan(120_000, 120_000, cabin(300, OLD)), [], 'however long, while it has not expired and they have not applied it');
    let bytes = 0;
    for (let t = 121_000; t < 400_000; t += 30_000) {
      bytes += 1000;
      assert.deepEqual(p.plan(t, t, cabin(300, { state: 'syncing', version: 'v1', target: 'v2', bytesDone: bytes }, { ackCmd: 10 })), [], 'syncing with progress');
    }
    assert.deepEqual(p.plan(500_000, 500_000, cabin(300, { state: 'ready', version: 'v2' }, { ackCmd: 10 })), []);
    assert.equal(p.watching, 0, 'nothing left to watch');
    assert.deepEqual(p.plan(10_000_000, 10_000_000, cabin(3, null)), [], 'seats without content support never');
  });

  it('sends at once to a seat back online after the sync expired, but not while the sync still waits for it', () => {
    const p = new ResyncPlanner(policy);
    p.setCurrent('v2');
    p.sent('all', 10, 600_000, 0);
    p.online('1A');
    assert.deepEqual(p.plan(1000, 1000, [seat('1A', OLD)]), [], 'it gets the first sync in its poll answer');
    p.online('1B');
    assert.deepEqual(p.plan(700_000, 700_000, [seat('1B', OLD)]), ['1B'], 'expired: sent again, no grace');
  });

  it('sends after the grace to a seat that plays an old catalog (a spare unit fitted), or is stuck, or failed', () => {
    for (const content of [OLD, { state: 'idle' } as ContentReport, { state: 'syncing', version: 'v1', target: 'v2', bytesDone: 5 } as ContentReport, { state: 'failed', version: 'v1', target: 'v2', error: 'disk full' } as ContentReport]) {
      const p = new ResyncPlanner(policy);
      p.setCurrent('v2');
      p.sent('all', 10, 600_000, 0);
      const s = [seat('7C', content, { ackCmd: 10 })];
      assert.deepEqual(p.plan(1000, 1000, s), [], `${content.state}: within the grace`);
      assert.deepEqual(p.plan(60_999, 60_999, s), [], `${content.state}: within the grace`);
      assert.deepEqual(p.plan(61_000, 61_000, s), ['7C'], `${content.state}: after it`);
    }
  });

  it('backs off a seat the resend did not help: the wait doubles, up to an hour', () => {
    const p = new ResyncPlanner(policy);
    p.setCurrent('v2');
    const s = [seat('9F', { state: 'failed', version: 'v1', target: 'v2', error: 'x' }, { ackCmd: 99 })];
    const sends: number[] = [];
    for (let t = 0; t <= 12 * 3_600_000; t += 1000) {
      const due = p.plan(t, t, s);
      if (due.length) {
        sends.push(t);
        p.sent(due, 100 + sends.length, t + 600_000, t);
        s[0]!.ackCmd = 100 + sends.length; // applied it, and failed again
      }
    }
    const gaps = sends.slice(1).map((t, i) => t - sends[i]!);
    assert.deepEqual(gaps.slice(0, 5), [300_000, 600_000, 1_200_000, 2_400_000, 3_600_000]);
    assert.ok(gaps.every((g) => g <= 3_600_000));
  });

  it('300 seats back at once after the sync expired: a trickle of 10 a second, each seat once', () => {
    const p = new ResyncPlanner(policy);
    p.setCurrent('v2');
    p.sent('all', 10, 600_000, 0);
    const seats = cabin(300, OLD, { ackCmd: 5 });
    for (const s of seats) p.online(s.seat);
    const sentAt = new Map<string, number>();
    for (let t = 700_000; t < 760_000; t += 1000) {
      const due = p.plan(t, t, seats);
      assert.ok(due.length <= 10, `at most 10 at ${t}`);
      for (const d of due) {
        assert.equal(sentAt.has(d), false, `${d} sent once`);
        sentAt.set(d, t);
      }
      if (due.length) p.sent(due, t, t + 600_000, t);
    }
    assert.equal(sentAt.size, 300, 'every seat, within 30 s');
  });

  it('a new catalog starts everyone afresh', () => {
    const p = new ResyncPlanner(policy);
    p.setCurrent('v2');
    p.sent(['1A'], 10, 600_000, 0);
    p.setCurrent('v3');
    p.sent('all', 11, 600_000, 0);
    assert.deepEqual(p.plan(1000, 1000, [seat('1A', OLD, { ackCmd: 10 })]), [], 'the new sync waits for it');
  });

  it('never picks more than the rate, a seat twice within its interval, or a seat that is current, offline or without content', () => {
    const report = fc.option(
      fc.record({ state: fc.constantFrom('idle', 'syncing', 'ready', 'failed'), version: fc.option(fc.constantFrom('v1', 'v2'), { nil: undefined }), target: fc.option(fc.constantFrom('v1', 'v2'), { nil: undefined }), bytesDone: fc.nat(3) }),
      { nil: null },
    );
    const step = fc.record({ dt: fc.integer({ min: 1, max: 200_000 }), seats: fc.uniqueArray(fc.record({ id: fc.constantFrom('A', 'B', 'C', 'D'), online: fc.boolean(), content: report, ackCmd: fc.nat(20) }), { maxLength: 4, selector: (x) => x.id }), wake: fc.option(fc.constantFrom('A', 'B'), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const p = new ResyncPlanner({ ...policy, seatsPerPlan: 2 });
        p.setCurrent('v2');
        p.sent('all', 10, 600_000, 0);
        let t = 0;
        let seq = 11;
        const last = new Map<string, number>();
        for (const s of steps) {
          t += s.dt;
          if (s.wake) p.online(s.wake);
          // A seat that reports the current catalog has caught up: the planner forgets it, and if it lags
          // again (a unit reset or swapped, reporting older content) that is a new lag, sent at once.
          for (const x of s.seats) if (x.content?.version === 'v2') last.delete(x.id);
          const seats = s.seats.map((x) => seat(x.id, x.content as ContentReport | null, { online: x.online, ackCmd: x.ackCmd }));
          const due = p.plan(t, t, seats);
          assert.ok(due.length <= 2);
          for (const d of due) {
            const sx = seats.find((x) => x.seat === d)!;
            assert.ok(sx.online && sx.content && sx.content.version !== 'v2', 'lagging, online, with content');
            assert.ok(!last.has(d) || t - last.get(d)! >= policy.seatIntervalMs, 'not again within its interval');
            last.set(d, t);
          }
          if (due.length) p.sent(due, seq++, t + 600_000, t);
        }
      }),
    );
  });
});
