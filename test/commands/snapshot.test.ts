import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CommandBody, CommandRequest, Target } from '../../protocols/seat-command/types.js';
import { CommandBook } from '../../src/commands/command-book.js';
import { DesiredLedger, SnapshotError } from '../../src/commands/desired-ledger.js';
import { applyToDesired, initialSeatDesired, type SeatDesired } from '../../src/commands/desired.js';
import { buildLayout } from '../../src/config/layout.js';
import { FakeClock } from './fake-clock.js';

// A small cabin: 2 zones, 8 seats, so random targets overlap a lot.
const layout = buildLayout({ rows: 4, letters: 'AB', zones: { J: '1-2', Y: '3-4' } });
const seatIds = layout.seats.map((s) => s.id);

const target: fc.Arbitrary<Target> = fc.oneof(
  fc.constant({ all: true as const }),
  fc.uniqueArray(fc.constantFrom('J', 'Y'), { minLength: 1, maxLength: 2 }).map((zones) => ({ zones })),
  fc.uniqueArray(fc.constantFrom(...seatIds), { minLength: 1, maxLength: 4 }).map((seats) => ({ seats })),
);
const source = fc.constantFrom('flightdeck' as const, 'cabin' as const, 'recorded' as const);
const group = fc.constantFrom('239.255.20.1:5004', '239.255.20.2:5004');
const request: fc.Arbitrary<CommandRequest> = fc.oneof(
  fc.record({ target, cmd: fc.constant('pa.begin' as const), args: fc.record({ source, group }) }),
  fc.record({ target, cmd: fc.constant('pa.end' as const), args: fc.record({ source }) }),
  fc.record({ target, cmd: fc.constantFrom('seat.lock' as const, 'seat.unlock' as const), args: fc.constant({ reason: 'x' }) }),
  fc.record({ target, cmd: fc.constant('volume.cap' as const), args: fc.record({ max: fc.integer({ min: 0, max: 10 }) }) }),
  fc.record({ target, cmd: fc.constantFrom('channel.tune' as const, 'safety.play' as const), args: fc.record({ channel: fc.constantFrom('news', 'safety'), group }) }),
  fc.record({ target, cmd: fc.constant('message.show' as const), args: fc.record({ text: fc.string({ maxLength: 8 }), level: fc.constantFrom('info' as const, 'warn' as const) }) }),
  fc.record({ target, cmd: fc.constantFrom('message.clear' as const, 'media.pause' as const, 'seat.reboot' as const), args: fc.constant({}) }),
) as fc.Arbitrary<CommandRequest>;

/** Issued one second apart with random TTLs, as the log would hold them. */
const history = fc.array(fc.tuple(request, fc.integer({ min: 1000, max: 120_000 })), { maxLength: 60 }).map((reqs) =>
  reqs.map(([r, ttl], i) => ({ ...r, seq: i + 1, at: 1000 * (i + 1), expiresAt: 1000 * (i + 1) + ttl }) as CommandBody),
);

/** The reference: every command folded in seq order, per seat (what start-up did before snapshots). */
function fullFold(cmds: CommandBody[]): Map<string, SeatDesired> {
  const out = new Map(layout.seats.map((s) => [s.id, initialSeatDesired()]));
  for (const c of cmds) {
    for (const s of layout.seats) {
      const t = c.target;
      if ('all' in t || ('zones' in t && t.zones.includes(s.zone)) || ('seats' in t && t.seats.includes(s.id))) out.set(s.id, applyToDesired(out.get(s.id)!, c));
    }
  }
  return out;
}

describe('desired-state snapshot', () => {
  it('fold(all) == snapshot(prefix) + fold(suffix), through JSON, for any split (fast-check)', () => {
    fc.assert(
      fc.property(history, fc.nat(), (cmds, k) => {
        const cut = cmds.length === 0 ? 0 : k % (cmds.length + 1);
        const prefix = new DesiredLedger();
        for (const c of cmds.slice(0, cut)) prefix.apply(c);
        // What the table holds and start-up reads back.
        const restored = DesiredLedger.fromJSON(JSON.parse(JSON.stringify(prefix.toJSON())));
        assert.equal(restored.seq, cut === 0 ? 0 : cut);
        for (const c of cmds.slice(cut)) restored.apply(c);
        const want = fullFold(cmds);
        for (const s of layout.seats) assert.deepEqual(restored.seatDesired(s.id, s.zone), want.get(s.id), `seat ${s.id}`);
      }),
      { numRuns: 400 },
    );
  });

  it('poll answers of a book restored from a snapshot equal those of the book that saw every command (fast-check)', () => {
    fc.assert(
      fc.property(history, fc.nat(), fc.integer({ min: 0, max: 200_000 }), (cmds, k, later) => {
        const cut = cmds.length === 0 ? 0 : k % (cmds.length + 1);
        const end = 1000 * (cmds.length + 1);
        // The running book: every command as it was issued.
        const liveClock = new FakeClock(1000);
        const live = new CommandBook(layout, undefined, liveClock);
        for (const c of cmds) {
          liveClock.set(c.at);
          live.add(c);
        }
        liveClock.set(end + later);
        live.prune();
        // After a restart: the snapshot of the prefix, the suffix folded, the unexpired added to the live list.
        const clock = new FakeClock(5, end + later); // a new process: monotonic time starts again
        const ledger = new DesiredLedger();
        for (const c of cmds.slice(0, cut)) ledger.apply(c);
        const restarted = DesiredLedger.fromJSON(JSON.parse(JSON.stringify(ledger)));
        for (const c of cmds.slice(cut)) restarted.apply(c);
        const book = new CommandBook(layout, undefined, clock);
        book.restore(restarted);
        for (const c of cmds) if (c.expiresAt >= clock.wall()) book.addLive(c);
        for (const s of layout.seats) {
          assert.deepEqual(book.respond(s, 0), live.respond(s, 0), `seat ${s.id} at +${later} ms`);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses any snapshot it did not write with a SnapshotError, never a crash (fast-check, hostile keys)', () => {
    const hostile = fc.constantFrom('__proto__', 'constructor', 'prototype', 'seat:__proto__', 'all', 'locked', 'pa.cabin');
    const junk = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ v: fc.constantFrom(1, 2), seq: fc.oneof(fc.nat(), fc.double()), scopes: fc.array(fc.tuple(hostile, fc.array(fc.tuple(hostile, fc.jsonValue({ maxDepth: 2 }))))) }),
      fc.dictionary(hostile, fc.jsonValue({ maxDepth: 2 })),
    );
    fc.assert(
      fc.property(junk, (raw) => {
        try {
          const l = DesiredLedger.fromJSON(JSON.parse(JSON.stringify(raw)));
          // Accepted: must behave (no prototype pollution, a seat state out).
          for (const s of layout.seats) l.seatDesired(s.id, s.zone);
        } catch (e) {
          assert.ok(e instanceof SnapshotError, String(e));
        }
      }),
      { numRuns: 500 },
    );
    assert.equal(({} as Record<string, unknown>).locked, undefined);
  });

  it('stays small however long the history: bounded by scopes, not commands', () => {
    const l = new DesiredLedger();
    for (let i = 1; i <= 20_000; i++) l.apply({ seq: i, at: i, expiresAt: i + 1000, target: { seats: [seatIds[i % seatIds.length]!] }, cmd: 'volume.cap', args: { max: i % 11 } } as CommandBody);
    assert.ok(JSON.stringify(l).length < 2000, `${JSON.stringify(l).length} bytes`);
    assert.equal(l.seq, 20_000);
  });
});
