// The console's `seats` table is rendered once for every session asking for
// the same view at about the same moment, and stays live: a real seat
// registry (real polls accepted, liveness ticks), the real command table,
// one io per session; the shared render's clock is virtual.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeatRegistry } from '../../src/cabin/registry.js';
import { cabinCommands, SEATS_CHANGE_MS, SEATS_MAX_AGE_MS, type CabinView } from '../../src/console/cabin-commands.js';
import { SharedRender } from '../../src/console/shared-render.js';
import type { CommandIo } from '../../src/console/types.js';
import { EventBus } from '../../src/contract/event-bus.js';
import { buildLayout, DEFAULT_LAYOUT } from '../../src/config/layout.js';
import { pollBody } from '../helpers/poll.js';

function harness() {
  const bus = new EventBus();
  const layout = buildLayout(DEFAULT_LAYOUT);
  const registry = new SeatRegistry(layout, 1000, bus);
  let clock = 0;
  const render = new SharedRender({ maxAgeMs: SEATS_MAX_AGE_MS, minAgeMs: SEATS_CHANGE_MS, now: () => clock });
  // Every read of the whole registry is one render of the table.
  let reads = 0;
  const counted = {
    get: (s: string) => registry.get(s),
    all: () => (reads++, registry.all()),
    changes$: registry.changes$,
  };
  const view = { layout, registry: counted } as unknown as CabinView;
  const table = cabinCommands(view, { seatsRender: render });
  const seq = new Map<string, number>();
  const wall0 = Date.now();
  let mono = 0;
  return {
    registry,
    render,
    reads: () => reads,
    advance(ms: number) {
      clock += ms;
    },
    poll(seat: string, call = false) {
      const n = (seq.get(seat) ?? 0) + 1;
      seq.set(seat, n);
      mono += 10;
      const v = registry.accept(pollBody(seat, { seq: n, clockAt: wall0 + mono, inputs: { call: { on: call, sinceMs: 0 } } }), { mono, wall: wall0 + mono });
      assert.equal(v.ok, true);
    },
    /** One session runs `seats ARGS`: what it printed and its exit status. */
    seats(...args: string[]): { out: string; code: number } {
      let out = '';
      const io: CommandIo = { out: (t) => (out += t), err: (t) => (out += t), signal: new AbortController().signal, user: { name: 'alice', role: 'technician' } as CommandIo['user'], columns: 80, interactive: false };
      const code = table.seats!.run(args, io) as number;
      return { out, code };
    },
  };
}

const rowOf = (out: string, seat: string) => out.split('\n').find((l) => l.startsWith(`${seat} `));

describe('seats: one render shared by the sessions asking at once', () => {
  it('twenty sessions asking at the same moment cost one render, and all see the same table', () => {
    const h = harness();
    h.poll('1A');
    const outs = Array.from({ length: 20 }, () => h.seats());
    assert.equal(h.reads(), 1, 'one read of the registry for 20 sessions');
    assert.equal(h.render.stats.renders, 1);
    assert.equal(h.render.stats.hits, 19);
    for (const o of outs) assert.deepEqual(o, outs[0]);
    assert.match(outs[0]!.out, /^SEAT +ZONE/);
    assert.match(outs[0]!.out, new RegExp(`1 online\\n$`));
  });

  it('different views are different renders; the same view is shared', () => {
    const h = harness();
    h.seats('--zone', 'J');
    h.seats('--zone', 'Y');
    h.seats('--zone', 'J');
    h.seats('--call');
    h.seats('--zone', 'Y');
    assert.equal(h.reads(), 3);
    assert.doesNotMatch(h.seats('--zone', 'J').out, /^\S+ +Y /m, 'the J view holds no Y seat');
  });

  it('a seat that changes shows in the next seats once the change bound has passed, not a stale table', () => {
    const h = harness();
    h.poll('2C');
    assert.equal(rowOf(h.seats().out, '2C')?.split(/ +/)[6], '-');
    assert.match(h.seats('--call').out, /^0 of \d+ seats/);
    h.poll('2C', true); // the call button: a visible change (registry.changes$)
    h.advance(SEATS_CHANGE_MS);
    assert.equal(rowOf(h.seats().out, '2C')?.split(/ +/)[6], 'CALL', 'the change shows after SEATS_CHANGE_MS');
    assert.match(h.seats('--call').out, /^SEAT[^\n]*\n2C [^\n]*CALL[^\n]*\n1 of \d+ seats/);
    assert.equal(h.reads(), 4);
  });

  it('inside the change bound, sessions still share one render (constant churn cannot make it one render each)', () => {
    const h = harness();
    h.seats();
    h.poll('3A', true);
    h.advance(SEATS_CHANGE_MS - 1);
    h.seats();
    assert.equal(h.reads(), 1);
  });

  it('with no change at all, a table is never handed out older than the staleness bound (LAST POLL stays live)', () => {
    const h = harness();
    h.seats();
    h.advance(SEATS_MAX_AGE_MS - 1);
    h.seats();
    assert.equal(h.reads(), 1);
    h.advance(1);
    h.seats();
    assert.equal(h.reads(), 2, 'a render of age SEATS_MAX_AGE_MS is not reused');
  });

  it('a seat going offline (a liveness tick, no poll) shows after the change bound', () => {
    const h = harness();
    h.poll('4D');
    assert.equal(rowOf(h.seats().out, '4D')?.split(/ +/)[2], 'online');
    h.registry.tick({ mono: 1_000_000, wall: Date.now() + 1_000_000 });
    h.advance(SEATS_CHANGE_MS);
    assert.equal(rowOf(h.seats().out, '4D')?.split(/ +/)[2], 'offline');
  });

  it('refused arguments render nothing and are not cached', () => {
    const h = harness();
    assert.equal(h.seats('--zone', 'Q').code, 2);
    assert.equal(h.seats('--status', 'asleep').code, 2);
    assert.equal(h.reads(), 0);
  });
});
