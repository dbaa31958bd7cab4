import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import { CommandBook } from '../../src/commands/command-book.js';
import { applyToDesired, desiredAt, initialSeatDesired } from '../../src/commands/desired.js';
import { DeliveryTracker } from '../../src/commands/delivery.js';
import { buildLayout, DEFAULT_LAYOUT } from '../../src/config/layout.js';
import { FakeClock } from './fake-clock.js';

let seq = 0;
function cmd(c: Pick<CommandBody, 'cmd' | 'args'> & Partial<CommandBody>, at = 1000): CommandBody {
  return { seq: ++seq, at, expiresAt: at + 60_000, target: { all: true }, ...c } as CommandBody;
}

describe('desired state from commands', () => {
  it('a flight-deck PA outranks the cabin PA and hands back to it when it ends', () => {
    let s = initialSeatDesired();
    s = applyToDesired(s, cmd({ cmd: 'pa.begin', args: { source: 'cabin', group: '239.255.20.1:5004' } }));
    assert.deepEqual(s.desired.paOverride, { source: 'cabin', group: '239.255.20.1:5004' });
    s = applyToDesired(s, cmd({ cmd: 'pa.begin', args: { source: 'flightdeck', group: '239.255.20.2:5004' } }));
    assert.equal(s.desired.paOverride?.source, 'flightdeck');
    s = applyToDesired(s, cmd({ cmd: 'pa.begin', args: { source: 'recorded', group: '239.255.20.3:5004' } }));
    assert.equal(s.desired.paOverride?.source, 'flightdeck', 'a recorded PA does not take over');
    s = applyToDesired(s, cmd({ cmd: 'pa.end', args: { source: 'flightdeck' } }));
    assert.equal(s.desired.paOverride?.source, 'cabin');
    s = applyToDesired(s, cmd({ cmd: 'pa.end', args: { source: 'cabin' } }));
    s = applyToDesired(s, cmd({ cmd: 'pa.end', args: { source: 'recorded' } }));
    assert.equal(s.desired.paOverride, null);
  });

  it('lock, volume cap and message hold until changed, even past their command expiry', () => {
    let s = initialSeatDesired();
    s = applyToDesired(s, cmd({ cmd: 'seat.lock', args: { reason: 'turbulence' } }));
    s = applyToDesired(s, cmd({ cmd: 'volume.cap', args: { max: 4 } }));
    s = applyToDesired(s, cmd({ cmd: 'message.show', args: { text: 'Fasten seat belts', level: 'warn' } }));
    const later = desiredAt(s, 10 * 3600_000);
    assert.equal(later.locked, true);
    assert.equal(later.volumeCap, 4);
    assert.deepEqual(later.message, { text: 'Fasten seat belts', level: 'warn' });
    s = applyToDesired(s, cmd({ cmd: 'message.clear', args: {} }));
    s = applyToDesired(s, cmd({ cmd: 'seat.unlock', args: { reason: 'smooth air' } }));
    assert.equal(s.desired.message, null);
    assert.equal(s.desired.locked, false);
  });

  it('a tuned channel lasts until its command expires', () => {
    const s = applyToDesired(initialSeatDesired(), cmd({ cmd: 'safety.play', args: { channel: 'safety', group: '239.255.30.1:5000' } }, 0));
    assert.deepEqual(desiredAt(s, 1000).channel, { channel: 'safety', group: '239.255.30.1:5000', safety: true });
    assert.equal(desiredAt(s, 61_000).channel, null);
  });

  it('channel.release frees the channel it names, and only that one (a v1 seat reads it as desired.channel: null)', () => {
    let s = applyToDesired(initialSeatDesired(), cmd({ cmd: 'safety.play', args: { channel: 'safety', group: '239.255.30.100:5000' } }));
    s = applyToDesired(s, cmd({ cmd: 'channel.release', args: { channel: 'safety' } }));
    assert.equal(desiredAt(s, 2000).channel, null, 'the safety video released: the seat is back to its own choice');
    s = applyToDesired(s, cmd({ cmd: 'channel.tune', args: { channel: 'news', group: '239.255.30.1:5000' } }));
    s = applyToDesired(s, cmd({ cmd: 'channel.release', args: { channel: 'safety' } }));
    assert.deepEqual(desiredAt(s, 2000).channel, { channel: 'news', group: '239.255.30.1:5000' }, 'a late release of the safety video does not drop a channel imposed since');
    s = applyToDesired(s, cmd({ cmd: 'channel.release', args: { channel: 'news' } }));
    assert.equal(desiredAt(s, 2000).channel, null);
  });
});

describe('command book (poll answers)', () => {
  const layout = buildLayout(DEFAULT_LAYOUT);
  const seat = (id: string) => layout.byId.get(id)!;

  it('answers only targeted, unexpired commands above ackCmd, oldest first, at most 32', () => {
    const clock = new FakeClock(1000);
    const book = new CommandBook(layout, undefined, clock);
    const base = seq;
    for (let i = 0; i < 40; i++) book.add(cmd({ cmd: 'media.pause', args: {}, target: i % 2 ? { zones: ['J'] } : { seats: ['12A'] } }, 1000));
    clock.advance(1000);
    const j = book.respond(seat('1A'), base, 2000).commands as CommandBody[];
    assert.equal(j.length, 20);
    assert.ok(j.every((c) => c.target && 'zones' in c.target));
    const y = book.respond(seat('12A'), base + 10, 2000).commands as CommandBody[];
    assert.deepEqual(y.map((c) => c.seq), [11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33, 35, 37, 39].map((n) => base + n));
    const clock2 = new FakeClock(1000);
    const all = new CommandBook(layout, undefined, clock2);
    for (let i = 0; i < 40; i++) all.add(cmd({ cmd: 'media.pause', args: {} }, 1000));
    clock2.advance(1000);
    const capped = all.respond(seat('30C'), 0, 2000).commands as CommandBody[];
    assert.equal(capped.length, 32);
    assert.ok(capped.every((c, i) => i === 0 || c.seq > capped[i - 1]!.seq));
    clock2.advance(59_001);
    assert.equal(all.respond(seat('30C'), 0).commands.length, 0, 'expired commands are not resent');
  });

  it('asks a seat to poll again soon only when an answer first offers it a command', () => {
    const clock = new FakeClock(1000);
    const book = new CommandBook(layout, 250, clock);
    const first = book.add(cmd({ cmd: 'media.pause', args: {} }, 1000)) && seq;
    const acked = first - 1;
    assert.equal(book.respond(seat('7C'), acked, 2000).pollSoonerMs, 250, 'a missed command: poll again soon to acknowledge it');
    assert.equal(book.respond(seat('7C'), acked, 2250).pollSoonerMs, undefined, 'offered before: a seat that does not apply it is not hurried again');
    assert.equal(book.respond(seat('8C'), acked, 2000).pollSoonerMs, 250, 'each seat on its own');
    clock.set(3000);
    book.add(cmd({ cmd: 'media.resume', args: {} }, 3000));
    assert.equal(book.respond(seat('7C'), acked, 3100).pollSoonerMs, 250, 'a newer command is a new offer');
    assert.equal(book.respond(seat('7C'), seq, 3200).commands.length, 0);
    assert.equal(book.respond(seat('7C'), seq, 3200).pollSoonerMs, undefined, 'a caught-up seat keeps the interval');
    assert.equal(new CommandBook(layout).respond(seat('7C'), acked, 3300).pollSoonerMs, undefined, 'no catch-up interval configured');
  });
});

describe('delivery tracking', () => {
  it('counts acks per targeted seat, reports delivered once, and incomplete after the deadline', () => {
    const clock = new FakeClock(0);
    const t = new DeliveryTracker(5000, clock);
    const c = cmd({ cmd: 'seat.lock', args: { reason: 'x' }, target: { seats: ['1A', '1B', '1C'] } }, 0);
    assert.deepEqual(t.track(c, 'test', ['1A', '1B', '1C'], () => 0), []);
    clock.set(100);
    t.ack('1A', c.seq);
    t.ack('1B', c.seq - 1);
    const online = (s: string) => s !== '1C';
    assert.deepEqual({ ...t.status(c.seq, online), at: 0 }, {
      seq: c.seq, cmd: 'seat.lock', args: { reason: 'x' }, target: c.target, at: 0, expiresAt: 60_000, issuer: 'test',
      state: 'pending', targeted: 3, acked: 1, pending: ['1B', '1C'], offline: ['1C'],
    });
    clock.set(5000);
    assert.equal(t.tick().length, 0, 'not before the deadline');
    clock.set(5001);
    const timedOut = t.tick();
    assert.deepEqual(timedOut.map((x) => x.kind), ['incomplete']);
    clock.set(6000);
    assert.equal(t.tick().length, 0, 'reported once');
    clock.set(7000);
    t.ack('1B', c.seq + 5);
    clock.set(8000);
    const done = t.ack('1C', c.seq);
    assert.equal(done[0]?.kind, 'delivered');
    assert.equal(t.status(c.seq, online)?.state, 'delivered');
    assert.equal(t.status(c.seq, online)?.deliveredAt, 8000);
  });
});
