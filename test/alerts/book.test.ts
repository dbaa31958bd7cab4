import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { alertOrder, type AlertBook, type AlertChange } from '../../src/alerts/alert.js';
import { ACK_ACTION, CLEAR_ACTION, reduceAlerts } from '../../src/alerts/book.js';
import type { CabinEvent } from '../../src/contract/events.js';

const T = 1_763_800_000_000;

function run(events: CabinEvent[], book: AlertBook = new Map()): { book: AlertBook; changes: AlertChange[] } {
  const changes: AlertChange[] = [];
  for (const ev of events) {
    const r = reduceAlerts(book, ev);
    book = r.book;
    changes.push(...r.changes);
  }
  return { book, changes };
}

const crew = (action: string, id: string, seat: string, at = T + 5000): CabinEvent => ({ type: 'crew.action', seat, at, action, by: 'panel:crew', detail: id });

describe('alert book', () => {
  it('opens an urgent alert for an attendant call, dated to the press, and closes it when the call is cancelled at the seat', () => {
    const { book, changes } = run([{ type: 'call.pressed', seat: '23C', at: T }]);
    const a = [...book.values()][0]!;
    assert.deepEqual(a, { id: `call-23C-${T}`, kind: 'call', seat: '23C', priority: 'urgent', since: T, ackedAt: null, ackedBy: null });
    assert.deepEqual(changes, [{ op: 'open', alert: a }]);
    const after = run([{ type: 'call.released', seat: '23C', at: T + 9000 }], book);
    assert.equal(after.book.size, 0);
    assert.deepEqual(after.changes, [{ op: 'close', alert: a, reason: 'resolved' }]);
  });

  it('records who acknowledged, and a crew clear closes the call although the seat still reports it', () => {
    const id = `call-7B-${T}`;
    const acked = run([{ type: 'call.pressed', seat: '7B', at: T }, crew(ACK_ACTION, id, '7B')]);
    assert.equal(acked.book.get(id)?.ackedAt, T + 5000);
    assert.equal(acked.book.get(id)?.ackedBy, 'panel:crew');
    const cleared = run([crew(CLEAR_ACTION, id, '7B', T + 6000)], acked.book);
    assert.equal(cleared.book.size, 0);
    assert.equal(cleared.changes[0]?.op, 'close');
    assert.deepEqual(cleared.changes[0], { op: 'close', alert: acked.book.get(id), reason: 'cleared', by: 'panel:crew' });
  });

  it('a reboot or a new unit ends a waiting call (the call light goes out)', () => {
    const pressed = run([{ type: 'call.pressed', seat: '3A', at: T }]).book;
    assert.equal(run([{ type: 'seat.rebooted', seat: '3A', at: T + 1, bootId: 'b2', previousBootId: 'b1', uptimeMs: 10 }], pressed).book.size, 0);
    assert.equal(run([{ type: 'lru.installed', seat: '3A', at: T + 1, serial: 'S2', model: 'gp3', firmware: '1', mac: '02:00:00:00:00:01', previousSerial: 'S1' }], pressed).book.size, 0);
  });

  it('tracks offline seats, faults by severity and flapping inputs, each closing when the seat recovers', () => {
    const { book } = run([
      { type: 'seat.offline', seat: '12A', at: T, lastPollAt: T - 3000 },
      { type: 'fault.raised', seat: '12B', at: T, code: 'DISK_SMART', severity: 'warn', source: 'seat' },
      { type: 'fault.raised', seat: '12C', at: T, code: 'OVERHEAT', severity: 'critical', source: 'seat' },
      { type: 'fault.raised', seat: '12D', at: T, code: 'FYI', severity: 'info', source: 'seat' },
      { type: 'fault.raised', seat: '12E', at: T, code: 'INPUT_FLAPPING', severity: 'warn', source: 'controller', detail: 'call' },
    ]);
    assert.deepEqual(
      [...book.values()].map((a) => [a.kind, a.seat, a.priority, a.code]),
      [
        ['offline', '12A', 'normal', undefined],
        ['fault', '12B', 'normal', 'DISK_SMART'],
        ['fault', '12C', 'high', 'OVERHEAT'],
        ['flapping', '12E', 'normal', 'call'],
      ],
      'an info fault is not an alert',
    );
    const recovered = run(
      [
        { type: 'seat.online', seat: '12A', at: T + 1 },
        { type: 'fault.cleared', seat: '12B', at: T + 1, code: 'DISK_SMART', source: 'seat' },
        { type: 'fault.cleared', seat: '12C', at: T + 1, code: 'OVERHEAT', source: 'seat' },
        { type: 'fault.cleared', seat: '12E', at: T + 1, code: 'INPUT_FLAPPING', source: 'controller' },
      ],
      book,
    );
    assert.equal(recovered.book.size, 0);
    assert.ok(recovered.changes.every((c) => c.op === 'close' && c.reason === 'resolved'));
  });

  it('a call button found flapping takes back the call it rang: the flapping alert replaces it', () => {
    const { book, changes } = run([
      { type: 'call.pressed', seat: '9C', at: T },
      { type: 'fault.raised', seat: '9C', at: T + 9000, code: 'INPUT_FLAPPING', severity: 'warn', source: 'controller', detail: 'call' },
    ]);
    assert.deepEqual([...book.values()].map((a) => [a.kind, a.code]), [['flapping', 'call']]);
    assert.deepEqual(changes.map((c) => c.op), ['open', 'close', 'open']);
  });

  it('re-raises a fault whose severity changed at the new priority', () => {
    const { book } = run([
      { type: 'fault.raised', seat: '1A', at: T, code: 'DISK_SMART', severity: 'warn', source: 'seat' },
      { type: 'fault.raised', seat: '1A', at: T + 1, code: 'DISK_SMART', severity: 'error', source: 'seat' },
    ]);
    assert.deepEqual([...book.values()].map((a) => a.priority), ['high']);
  });

  it('lists unacknowledged first, then urgent before the rest, then the longest waiting', () => {
    const { book } = run([
      { type: 'seat.offline', seat: '1A', at: T, lastPollAt: null },
      { type: 'call.pressed', seat: '2A', at: T + 10 },
      { type: 'call.pressed', seat: '3A', at: T + 5 },
      crew(ACK_ACTION, `call-3A-${T + 5}`, '3A'),
    ]);
    assert.deepEqual([...book.values()].sort(alertOrder).map((a) => a.seat), ['2A', '1A', '3A']);
  });

  it('is idempotent: replaying any events again changes nothing (a panel may see an event twice)', () => {
    const seat = fc.constantFrom('1A', '1B', '2C');
    const at = fc.integer({ min: T, max: T + 1000 });
    const ev: fc.Arbitrary<CabinEvent> = fc.oneof(
      fc.record({ type: fc.constant('call.pressed' as const), seat, at }),
      fc.record({ type: fc.constant('call.released' as const), seat, at }),
      fc.record({ type: fc.constant('seat.offline' as const), seat, at, lastPollAt: fc.constant(null) }),
      fc.record({ type: fc.constant('seat.online' as const), seat, at }),
      fc.record({ type: fc.constant('fault.raised' as const), seat, at, code: fc.constantFrom('A', 'B'), severity: fc.constantFrom('info' as const, 'warn' as const, 'error' as const), source: fc.constant('seat' as const) }),
      fc.record({ type: fc.constant('fault.cleared' as const), seat, at, code: fc.constantFrom('A', 'B'), source: fc.constant('seat' as const) }),
    );
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 40 }), (events) => {
        const once = run(events).book;
        // At most one open alert per (kind, seat, code): a condition never shows twice.
        const keys = [...once.values()].map((a) => `${a.kind}/${a.seat}/${a.code}`);
        assert.equal(new Set(keys).size, keys.length);
        const last = events.at(-1);
        if (last) assert.equal(reduceAlerts(once, last).changes.length, 0, `replaying ${JSON.stringify(last)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('ignores crew actions on alerts that are not open, and events it has no use for', () => {
    const { book, changes } = run([crew(ACK_ACTION, 'call-1A-1', '1A'), crew(CLEAR_ACTION, 'nope', '1A'), { type: 'system', seat: null, at: T, message: 'hi' }]);
    assert.equal(book.size, 0);
    assert.equal(changes.length, 0);
  });
});
