import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ACTIONS, ActionSyntaxError, parseAction } from '../../src/sim/action-text.js';

test('a bare value applies to every seat; a bare seat list takes the default value', () => {
  assert.deepEqual(parseAction('drop', '0.05'), { target: 'all', action: { do: 'drop', probability: 0.05 } });
  assert.deepEqual(parseAction('flap', '12A'), { target: ['12A'], action: { do: 'flap', hz: 5 } });
  assert.deepEqual(parseAction('reboot', '3C,4D'), { target: ['3C', '4D'], action: { do: 'reboot', downMs: 0 } });
  assert.deepEqual(parseAction('bad-signer', '7F'), { target: ['7F'], action: { do: 'bad-signer', on: true } });
});

test('VALUE@SEATS names both; SEATS may be a share of the cabin', () => {
  assert.deepEqual(parseAction('drop', '0.5@10%'), { target: { fraction: 0.1 }, action: { do: 'drop', probability: 0.5 } });
  assert.deepEqual(parseAction('skew-ms', '-4000@1A'), { target: ['1A'], action: { do: 'skew', ms: -4000 } });
  assert.deepEqual(parseAction('fault', 'DISK_SMART:error@20B'), {
    target: ['20B'],
    action: { do: 'fault', code: 'DISK_SMART', severity: 'error' },
  });
  assert.deepEqual(parseAction('fault', 'FAN_STALL'), { target: 'all', action: { do: 'fault', code: 'FAN_STALL', severity: 'warn' } });
  assert.deepEqual(parseAction('bad-signer', 'off@all'), { target: 'all', action: { do: 'bad-signer', on: false } });
  assert.deepEqual(parseAction('reboot', '30000@5%'), { target: { fraction: 0.05 }, action: { do: 'reboot', downMs: 30000 } });
  assert.deepEqual(parseAction('lose-datagrams', '0.3@10%'), { target: { fraction: 0.1 }, action: { do: 'lose-datagrams', probability: 0.3 } });
  assert.deepEqual(parseAction('firmware-fault', 'fail-boot:1@12A'), { target: ['12A'], action: { do: 'firmware-fault', fault: 'fail-boot', attempts: 1 } });
  assert.deepEqual(parseAction('firmware-fault', 'corrupt'), { target: 'all', action: { do: 'firmware-fault', fault: 'corrupt', attempts: undefined } });
  assert.deepEqual(parseAction('firmware-fault', 'none@all'), { target: 'all', action: { do: 'firmware-fault', fault: null } });
});

test('mistakes are refused with a message that says what is wrong', () => {
  const refused = (name: string, arg: string, message: RegExp) =>
    assert.throws(() => parseAction(name, arg), (err: Error) => err instanceof ActionSyntaxError && message.test(err.message));
  refused('drop', '2', /drop probability must be a number in 0\.\.1/);
  refused('drop', '', /drop probability/);
  refused('hold', '12A', /hold time must be an integer/);
  refused('call', '1@12A', /call takes only SEATS/);
  refused('flap', '12a', /"12a" is not a seat id/);
  refused('fault', 'DISK_SMART:fatal', /SEVERITY one of info, warn, error, critical/);
  refused('clear-fault', 'disk', /fault code looks like DISK_SMART/);
  refused('silent', '100@0%', /share of seats/);
  refused('toString', '1A', /unknown action "toString"/);
  refused('firmware-fault', 'melt@12A', /KIND one of corrupt, timeout, crash, fail-boot or none/);
  refused('firmware-fault', 'crash:0', /attempts must be an integer in 1\.\.1000/);
  refused('lose-datagrams', '1.5', /datagram loss must be a number in 0\.\.1/);
});

test('no text makes the parser throw anything but an ActionSyntaxError', () => {
  const names = fc.oneof(fc.constantFrom(...Object.keys(ACTIONS)), fc.string());
  const arg = fc.oneof(fc.string(), fc.tuple(fc.string(), fc.constantFrom('all', '12A', '10%', '1A,2B', '0%')).map(([v, s]) => `${v}@${s}`));
  fc.assert(
    fc.property(names, arg, (name, text) => {
      try {
        parseAction(name, text);
      } catch (err) {
        assert.ok(err instanceof ActionSyntaxError, String(err));
      }
    }),
    { numRuns: 5000 },
  );
});
