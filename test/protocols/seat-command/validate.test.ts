import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldErrors, validateCommandBody, validateCommandRequest } from '../../../protocols/seat-command/validate.js';
import { body, COMMANDS, EXAMPLE_ARGS } from './fixtures.js';

function errorsOf(v: unknown): string {
  const r = validateCommandRequest(v);
  assert.equal(r.ok, false, `expected ${JSON.stringify(v)} to be refused`);
  return r.ok ? '' : formatFieldErrors(r.errors);
}

function fieldsOf(v: unknown): string[] {
  const r = validateCommandRequest(v);
  return r.ok ? [] : r.errors.map((e) => e.field);
}

describe('validateCommandRequest', () => {
  it('accepts every v1 command with its documented args', () => {
    for (const cmd of COMMANDS) {
      const req = { target: { zones: ['J'] }, cmd, args: EXAMPLE_ARGS[cmd] };
      assert.deepEqual(validateCommandRequest(req), { ok: true, value: req }, cmd);
    }
  });

  it('names the unknown command and lists the known ones', () => {
    assert.match(errorsOf({ target: { all: true }, cmd: 'pa.start', args: {} }), /^cmd must be one of pa\.begin, pa\.end, .*content\.sync$/);
  });

  it('names each bad, missing or extra argument', () => {
    assert.match(errorsOf({ target: { all: true }, cmd: 'volume.cap', args: { max: 11 } }), /^args\.max must be an integer from 0 to 10$/);
    assert.match(errorsOf({ target: { all: true }, cmd: 'volume.cap', args: { max: 2.5 } }), /args\.max must be an integer/);
    assert.match(errorsOf({ target: { all: true }, cmd: 'seat.lock', args: {} }), /^args\.reason is required/);
    assert.match(errorsOf({ target: { all: true }, cmd: 'media.pause', args: { now: true } }), /^args\.now is not an argument of media\.pause$/);
    assert.match(errorsOf({ target: { all: true }, cmd: 'media.pause' }), /^args must be an object \(use \{\} for media\.pause\)$/);
    assert.match(errorsOf({ target: { all: true }, cmd: 'pa.begin', args: { source: 'captain', group: '239.255.20.1:5004' } }), /args\.source must be one of flightdeck, cabin, recorded/);
    assert.match(errorsOf({ target: { all: true }, cmd: 'message.show', args: { text: 'x', level: 'error' } }), /args\.level must be one of info, warn, urgent/);
    assert.match(errorsOf({ target: { all: true }, cmd: 'message.show', args: { text: 'x'.repeat(281), level: 'info' } }), /args\.text must be a non-empty string of at most 280 characters/);
  });

  it('counts message text in characters, not UTF-16 units', () => {
    const req = { target: { all: true }, cmd: 'message.show', args: { text: '🛫'.repeat(280), level: 'info' } };
    assert.equal(validateCommandRequest(req).ok, true);
  });

  it('accepts only multicast groups with a port', () => {
    const group = (g: string) => validateCommandRequest({ target: { all: true }, cmd: 'channel.tune', args: { channel: 'news', group: g } }).ok;
    assert.equal(group('239.255.30.1:5000'), true);
    assert.equal(group('224.0.0.1:1'), true);
    for (const bad of ['10.0.0.1:5000', '240.0.0.1:5000', '239.255.30.1', '239.255.30.1:0', '239.255.30.1:65536', '239.255.30.256:5000', '239.255.030.1:5000', '239.255.30.1:05000']) {
      assert.equal(group(bad), false, bad);
    }
  });

  it('holds firmware.update to a tftp:// URL, a lowercase sha256 and a 64-byte base64 signature', () => {
    const fw = (args: object) => fieldsOf({ target: { all: true }, cmd: 'firmware.update', args: { ...EXAMPLE_ARGS['firmware.update'], ...args } });
    assert.deepEqual(fw({ url: 'http://10.0.0.1/gp3.img' }), ['args.url']);
    assert.deepEqual(fw({ url: 'tftp:///gp3.img' }), ['args.url']);
    assert.deepEqual(fw({ sha256: 'A'.repeat(64) }), ['args.sha256']);
    assert.deepEqual(fw({ sha256: 'a'.repeat(63) }), ['args.sha256']);
    assert.deepEqual(fw({ signature: Buffer.alloc(63).toString('base64') }), ['args.signature']);
    assert.deepEqual(fw({ signature: Buffer.alloc(64).toString('base64').replace(/=+$/, '') }), ['args.signature']);
    assert.deepEqual(fw({ size: 0 }), ['args.size']);
    assert.deepEqual(fw({ model: '../gp3' }), ['args.model']);
  });

  it('requires exactly one target selector with non-empty, well-formed names', () => {
    const target = (t: unknown) => errorsOf({ target: t, cmd: 'seat.reboot', args: {} });
    assert.match(target({ all: true, zones: ['J'] }), /^target must be one of/);
    assert.match(target({}), /^target must be one of/);
    assert.match(target({ all: false }), /^target\.all must be true$/);
    assert.match(target({ zones: [] }), /^target\.zones must be a non-empty array of zone names$/);
    assert.match(target({ seats: ['12A', '', 7] }), /^target\.seats\[1\] must be a seat name.*; target\.seats\[2\] must be a seat name/);
  });

  it('reports every problem at once, not just the first', () => {
    assert.deepEqual(fieldsOf({ target: { seats: [] }, cmd: 'volume.cap', args: { max: -1 }, urgent: true }), [
      'urgent',
      'target.seats',
      'args.max',
    ]);
  });

  it('refuses non-objects without throwing', () => {
    for (const v of [null, 42, 'pa.begin', [], undefined]) assert.match(errorsOf(v), /must be a JSON object/);
  });
});

describe('validateCommandBody', () => {
  it('accepts a body and refuses one with bad seq or times, naming them', () => {
    assert.equal(validateCommandBody(body('pa.end')).ok, true);
    const r = validateCommandBody({ ...body('pa.end'), seq: 0, at: -1, expiresAt: 1.5 });
    assert.deepEqual(r.ok ? [] : r.errors.map((e) => e.field), ['seq', 'at', 'expiresAt']);
    const early = validateCommandBody(body('pa.end', { at: 2000, expiresAt: 1999 }));
    assert.deepEqual(early.ok ? [] : early.errors, [{ field: 'expiresAt', message: 'must not be before at' }]);
  });

  it('refuses a request that lacks the body fields', () => {
    const r = validateCommandBody({ target: { all: true }, cmd: 'seat.reboot', args: {} });
    assert.deepEqual(r.ok ? [] : r.errors.map((e) => e.field), ['seq', 'at', 'expiresAt']);
  });
});
