import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DESIRED, type DesiredState, type PollResponse } from '../../protocols/seat-poll/types.js';
import { lruFor } from '../../src/sim/lru.js';
import { SeatModel } from '../../src/sim/seat-model.js';
import { FakeClock, validatePoll } from './helpers.js';

const PA = { source: 'cabin', group: '239.255.20.1:5004' };

function seat() {
  const clock = new FakeClock();
  const model = new SeatModel('12A', lruFor(67), clock);
  return { clock, model };
}

function answer(desired: Partial<DesiredState> = {}, commands: unknown[] = [], serverAt = new FakeClock().w): PollResponse {
  return { serverAt, pollIntervalMs: 1000, zone: 'Y', desired: { ...DEFAULT_DESIRED, ...desired }, commands };
}

test('every poll a seat can send matches the wire schema', () => {
  const { clock, model } = seat();
  const polls = [];
  polls.push(model.nextPoll()); // idle, fresh boot
  model.play('movie-7', 5_000);
  model.setCall(true);
  model.raiseFault('DISK_SMART', 'error');
  clock.advance(1234.567);
  polls.push(model.nextPoll());
  model.applyResponse(answer({ paOverride: PA, locked: true, message: { text: 'Fasten seat belts', level: 'info' } }));
  polls.push(model.nextPoll());
  model.applyResponse(answer({ channel: { channel: 'safety-video', group: '239.255.30.1:5000', safety: true } }));
  model.skewMs = -1e15; // a clock reset to 1970 and beyond must still give a valid clockAt
  polls.push(model.nextPoll());
  model.swapLru(lruFor(900_001));
  polls.push(model.nextPoll());
  for (const poll of polls) assert.ok(validatePoll(poll), JSON.stringify(validatePoll.errors));
  assert.deepEqual(
    polls.map((p) => p.media.state),
    ['idle', 'playing', 'pa', 'safety', 'idle'],
  );
});

test('seq counts polls within a boot; a reboot brings a new bootId, seq 1 and uptime 0, and keeps ackCmd', () => {
  const { clock, model } = seat();
  const first = model.nextPoll();
  clock.advance(1000);
  const second = model.nextPoll();
  assert.deepEqual([first.seq, second.seq], [1, 2]);
  assert.equal(second.bootId, first.bootId);
  assert.equal(second.uptimeMs, 1000);
  model.applyResponse(answer({}, [{ seq: 41, cmd: 'message.clear' }]));

  clock.advance(5000);
  model.reboot();
  clock.advance(10);
  const afterBoot = model.nextPoll();
  assert.notEqual(afterBoot.bootId, first.bootId);
  assert.equal(afterBoot.seq, 1);
  assert.equal(afterBoot.uptimeMs, 10);
  assert.equal(afterBoot.ackCmd, 41, 'a reboot must not make the controller resend every command');
});

test('clockAt is the seat’s own wall clock, skew included', () => {
  const { clock, model } = seat();
  model.skewMs = -4000;
  assert.equal(model.nextPoll().clockAt, clock.w - 4000);
});

test('PA pauses the film and hands it back at the position it interrupted', () => {
  const { clock, model } = seat();
  model.play('movie-42', 60_000);
  clock.advance(10_000);
  assert.equal(model.nextPoll().media.positionMs, 70_000);

  model.applyResponse(answer({ paOverride: PA }));
  clock.advance(30_000);
  const during = model.nextPoll().media;
  assert.equal(during.state, 'pa');
  assert.equal(during.positionMs, 70_000, 'the film must not run on under the announcement');

  model.applyResponse(answer({ paOverride: null }));
  clock.advance(5_000);
  assert.deepEqual(model.nextPoll().media, { state: 'playing', item: 'movie-42', positionMs: 75_000, volume: 6 });
});

test('a locked seat shows locked, holds the film, and resumes it when unlocked; a paused film stays paused', () => {
  const { clock, model } = seat();
  model.play('movie-1');
  model.applyResponse(answer({ locked: true }));
  clock.advance(20_000);
  assert.deepEqual(model.nextPoll().media, { state: 'locked', item: 'movie-1', positionMs: 0, volume: 6 });
  model.applyResponse(answer({ locked: false }));
  clock.advance(1_000);
  assert.equal(model.nextPoll().media.positionMs, 1_000);

  model.pauseMedia();
  model.applyResponse(answer({ locked: true }));
  model.applyResponse(answer({ locked: false }));
  clock.advance(1_000);
  assert.deepEqual(model.nextPoll().media, { state: 'paused', item: 'movie-1', positionMs: 1_000, volume: 6 });
});

test('PA outranks the safety video, which outranks a lock, which outranks a broadcast channel', () => {
  const { model } = seat();
  const news = { channel: 'news', group: '239.255.30.2:5000', safety: false };
  const safety = { channel: 'safety-a320', group: '239.255.30.1:5000', safety: true };
  const states = [
    answer({ channel: news }),
    answer({ channel: news, locked: true }),
    answer({ channel: safety, locked: true }),
    answer({ channel: safety, locked: true, paOverride: PA }),
  ].map((a) => {
    model.applyResponse(a);
    const { state, item } = model.nextPoll().media;
    return `${state}:${item}`;
  });
  assert.deepEqual(states, ['playing:news', 'locked:null', 'safety:safety-a320', 'pa:null']);
});

test('a volume cap lowers the volume, and a later higher cap does not raise it again', () => {
  const { model } = seat();
  model.applyResponse(answer({ volumeCap: 3 }));
  assert.equal(model.nextPoll().media.volume, 3);
  model.applyResponse(answer({ volumeCap: 10 }));
  assert.equal(model.nextPoll().media.volume, 3);
});

test('commands apply once and in order and raise ackCmd; expired and unknown ones are acknowledged, not applied', () => {
  const { clock, model } = seat();
  model.play('movie-3');
  // The seat's clock runs a minute fast; expiry is judged on the controller's clock (serverAt), so seq 7 still counts.
  model.skewMs = 60_000;
  const outcomes = model.applyResponse(
    answer(
      {},
      [
        { seq: 1, cmd: 'media.pause', at: clock.w, expiresAt: clock.w + 120_000, target: { all: true }, args: {} },
        { seq: 2, cmd: 'volume.cap', args: { max: 2 } },
        { seq: 2, cmd: 'volume.cap', args: { max: 0 } },
        { seq: 4, cmd: 'firmware.update', args: {} },
        { seq: 5, cmd: 'media.resume', expiresAt: clock.w - 1 },
        { seq: 6, cmd: 'volume.cap', args: { max: 'loud' } },
        { seq: 7, cmd: 'volume.cap', args: { max: 1 }, expiresAt: clock.w + 30_000 },
        'not a command',
      ],
      clock.w,
    ),
  );
  assert.deepEqual(
    outcomes.map((o) => `${o.seq}:${o.result}`),
    ['1:applied', '2:applied', '4:unknown', '5:expired', '6:rejected', '7:applied', 'undefined:malformed'],
  );
  assert.deepEqual(model.applied, [1, 2, 7]);
  const poll = model.nextPoll();
  assert.equal(poll.ackCmd, 7, 'seq 3, never listed, was not for this seat and is stepped over');
  assert.equal(poll.media.state, 'paused');
  assert.equal(poll.media.volume, 1);

  assert.deepEqual(model.applyResponse(answer({}, [{ seq: 1, cmd: 'media.resume' }])), [], 'an old seq is a repeat, not a command');
  assert.equal(model.nextPoll().media.state, 'paused');
});

const datagram = (seq: number, cmd: string, args: object, target: object = { all: true }) =>
  ({ seq, at: 0, expiresAt: new FakeClock().w + 60_000, target, cmd, args }) as never;

test('datagrams: ignored until the first answer gives the zone; then each seq once, in order, judged by zone', () => {
  const { model } = seat();
  assert.deepEqual(model.onDatagram(datagram(1, 'volume.cap', { max: 4 })), [], 'no zone yet: the poll brings it');
  assert.equal(model.ackCmd, 0);
  model.applyResponse(answer({}, [{ seq: 1, cmd: 'volume.cap', args: { max: 4 } }]));
  assert.equal(model.ackCmd, 1);

  assert.deepEqual(model.onDatagram(datagram(2, 'seat.lock', { reason: 'x' }, { zones: ['J'] })), [], 'zone J is not this seat');
  assert.equal(model.ackCmd, 2);
  // 3 is lost; 4 waits above the gap, and its copies are replays.
  assert.deepEqual(model.onDatagram(datagram(4, 'volume.cap', { max: 2 })), []);
  assert.deepEqual(model.onDatagram(datagram(4, 'volume.cap', { max: 2 })), []);
  const late = model.onDatagram(datagram(3, 'volume.cap', { max: 3 }, { zones: ['Y'] }));
  assert.deepEqual(late.map((o) => `${o.seq}:${o.result}:${o.via}`), ['3:applied:multicast', '4:applied:multicast']);
  assert.equal(model.nextPoll().media.volume, 2);
  assert.deepEqual(model.applied, [1, 3, 4]);
});

test('a lost datagram is settled by the next answer: an unlisted gap up to what was heard was not for this seat', () => {
  const { model } = seat();
  model.applyResponse(answer());
  model.onDatagram(datagram(1, 'volume.cap', { max: 5 }));
  // 2 (for zone J) is lost; 3 (all) is heard and waits.
  model.onDatagram(datagram(3, 'volume.cap', { max: 1 }));
  assert.equal(model.ackCmd, 1);
  const heardAtRequest = model.heard;
  assert.equal(heardAtRequest, 3);
  model.nextPoll();
  const outcomes = model.applyResponse(answer({}, [{ ...(datagram(3, 'volume.cap', { max: 1 }) as object) }]), heardAtRequest);
  assert.deepEqual(outcomes.map((o) => `${o.seq}:${o.result}`), ['3:applied']);
  assert.equal(model.ackCmd, 3);
});

test('pa.end ends only the PA it names', () => {
  const { model } = seat();
  model.applyResponse(answer());
  model.onDatagram(datagram(1, 'pa.begin', { source: 'cabin', group: '239.255.20.1:5004' }));
  model.onDatagram(datagram(2, 'pa.begin', { source: 'flightdeck', group: '239.255.20.2:5004' }));
  model.onDatagram(datagram(3, 'pa.end', { source: 'cabin' }));
  assert.deepEqual(model.pa, { source: 'flightdeck', group: '239.255.20.2:5004' });
  assert.equal(model.nextPoll().media.state, 'pa');
  model.onDatagram(datagram(4, 'pa.end', { source: 'flightdeck' }));
  assert.equal(model.pa, null);
});

test('desired has the last word over a command in the same answer', () => {
  const { model } = seat();
  model.applyResponse(answer({ locked: false }, [{ seq: 1, cmd: 'seat.lock', args: { reason: 'taxi' } }]));
  assert.equal(model.nextPoll().media.state, 'idle');
});

test('a seat.reboot command reboots the seat once', () => {
  const { model } = seat();
  const bootId = model.bootId;
  const reboot = { seq: 9, cmd: 'seat.reboot' };
  model.applyResponse(answer({}, [reboot]));
  const rebooted = model.bootId;
  assert.notEqual(rebooted, bootId);
  model.applyResponse(answer({}, [reboot]));
  assert.equal(model.bootId, rebooted);
});

test('an LRU swap reports the new unit on a new boot, with no faults and no commands applied yet', () => {
  const { model } = seat();
  model.raiseFault('FAN_STALL');
  model.applyResponse(answer({}, [{ seq: 12, cmd: 'message.clear' }]));
  const before = model.nextPoll();
  model.swapLru(lruFor(900_001));
  const after = model.nextPoll();
  assert.equal(after.lru.serial, 'GP3-900001');
  assert.notEqual(after.lru.mac, before.lru.mac);
  assert.notEqual(after.bootId, before.bootId);
  assert.equal(after.seq, 1);
  assert.equal(after.ackCmd, 0);
  assert.deepEqual(after.faults, []);
});

test('faults report their age and can be cleared; a code off the wire pattern is refused', () => {
  const { clock, model } = seat();
  model.raiseFault('DISK_SMART', 'warn');
  clock.advance(2500);
  model.raiseFault('DISK_SMART', 'critical'); // a re-raise changes severity, not age
  assert.deepEqual(model.nextPoll().faults, [{ code: 'DISK_SMART', severity: 'critical', sinceMs: 2500 }]);
  model.clearFault('DISK_SMART');
  assert.deepEqual(model.nextPoll().faults, []);
  assert.throws(() => model.raiseFault('disk smart'), RangeError);
});

test('the call input reports how long since it last changed', () => {
  const { clock, model } = seat();
  clock.advance(3000);
  assert.equal(model.setCall(true), true);
  assert.equal(model.setCall(true), false, 'pressing a pressed button is no edge');
  clock.advance(750);
  assert.deepEqual(model.nextPoll().inputs, { call: { on: true, sinceMs: 750 } });
});
