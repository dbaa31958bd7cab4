import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_DESIRED } from '../../protocols/seat-poll/types.js';
import { lruFor } from '../../src/sim/lru.js';
import { MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS, parsePollResponse } from '../../src/sim/response.js';
import { SeatModel } from '../../src/sim/seat-model.js';
import { FakeClock, validatePoll } from './helpers.js';

const valid = { serverAt: 1, pollIntervalMs: 1000, desired: DEFAULT_DESIRED, commands: [] };

test('a well-formed answer parses whole', () => {
  const r = parsePollResponse(JSON.stringify({ ...valid, desired: { ...DEFAULT_DESIRED, locked: true } }));
  assert.ok(r.ok);
  assert.equal(r.value.desired.locked, true);
});

test('one bad field refuses the whole answer, naming the field', () => {
  const r = parsePollResponse(JSON.stringify({ ...valid, desired: { ...DEFAULT_DESIRED, locked: true, volumeCap: 11 } }));
  assert.deepEqual(r, { ok: false, reason: 'desired.volumeCap' });
  assert.deepEqual(parsePollResponse('<html>'), { ok: false, reason: 'not JSON' });
});

test('a channel name the poll schema would refuse is refused here, so the seat never reports it', () => {
  const channel = { channel: '', group: '239.255.30.1:5000' };
  assert.deepEqual(parsePollResponse(JSON.stringify({ ...valid, desired: { ...DEFAULT_DESIRED, channel } })), {
    ok: false,
    reason: 'desired.channel',
  });
});

test('the poll interval is held to sane bounds', () => {
  const interval = (ms: number) => {
    const r = parsePollResponse(JSON.stringify({ ...valid, pollIntervalMs: ms }));
    return r.ok ? r.value.pollIntervalMs : r.reason;
  };
  assert.equal(interval(1), MIN_POLL_INTERVAL_MS);
  assert.equal(interval(86_400_000), MAX_POLL_INTERVAL_MS);
  assert.equal(interval(0), 'pollIntervalMs');
});

// Mostly-valid answers reach deep into the parser and the command handlers; arbitrary JSON covers the rest.
const anyValue = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -5, max: 20 }), fc.string({ maxLength: 140 }), fc.anything());
const mostly = <T,>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: anyValue, weight: 1 });
const text = mostly(fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.string({ maxLength: 300 })));
const command = fc.record({
  seq: mostly(fc.integer({ min: -2, max: 40 })),
  cmd: mostly(
    fc.constantFrom(
      ...['pa.begin', 'pa.end', 'seat.lock', 'seat.unlock', 'media.pause', 'media.resume', 'volume.cap', 'channel.tune'],
      ...['safety.play', 'message.show', 'message.clear', 'seat.reboot', 'firmware.update', 'constructor', '__proto__'],
    ),
  ),
  expiresAt: mostly(fc.option(fc.integer({ min: 1_763_799_000_000, max: 1_763_900_000_000 }), { nil: undefined })),
  args: mostly(fc.record({ source: text, group: text, channel: text, max: mostly(fc.integer({ min: -1, max: 11 })), text, level: text })),
});
const nearValid = fc.record({
  serverAt: mostly(fc.integer()),
  pollIntervalMs: mostly(fc.integer({ min: -10, max: 100_000 })),
  desired: mostly(
    fc.record({
      paOverride: mostly(fc.option(fc.record({ source: text, group: text }), { nil: null })),
      locked: mostly(fc.boolean()),
      channel: mostly(fc.option(fc.record({ channel: text, group: text, safety: mostly(fc.boolean()) }), { nil: null })),
      message: mostly(fc.option(fc.record({ text, level: text }), { nil: null })),
      volumeCap: mostly(fc.integer({ min: -1, max: 11 })),
    }),
  ),
  commands: mostly(fc.array(command, { maxLength: 8 })),
});
const body = fc.oneof(nearValid.map((v) => JSON.stringify(v)), fc.json(), fc.string());

test('no answer, however broken, throws in a seat or makes its next poll invalid', () => {
  fc.assert(
    fc.property(fc.array(body, { minLength: 1, maxLength: 4 }), (bodies) => {
      const clock = new FakeClock();
      const model = new SeatModel('7C', lruFor(39), clock);
      model.play('movie-1');
      for (const b of bodies) {
        const r = parsePollResponse(b);
        if (r.ok) model.applyResponse(r.value);
        clock.advance(1000);
        const poll = model.nextPoll();
        assert.ok(validatePoll(poll), JSON.stringify(validatePoll.errors));
      }
    }),
    { numRuns: 2000 },
  );
});
