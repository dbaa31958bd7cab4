import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PaSpecError, parsePaSpec } from '../../src/sim/pa-spec.js';

test('a PA spec names the group, and optionally the length, codec and a silent line', () => {
  assert.deepEqual(parsePaSpec('cabin'), { group: '239.255.20.1', port: 5004, durationMs: 8000, codec: 'L16', signal: 'voice' });
  assert.deepEqual(parsePaSpec('flightdeck:2.5:PCMU'), { group: '239.255.20.2', port: 5004, durationMs: 2500, codec: 'PCMU', signal: 'voice' });
  assert.deepEqual(parsePaSpec('239.255.20.9/6000:silence:3'), { group: '239.255.20.9', port: 6000, durationMs: 3000, codec: 'L16', signal: 'silence' });
  for (const bad of ['', 'galley', 'cabin:0', 'cabin:601', 'cabin:loud', '239.255.20.9:6000', '239.255.20.9/0']) {
    assert.throws(() => parsePaSpec(bad), PaSpecError, bad);
  }
});

test('any text is a spec or a PaSpecError, nothing else', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('__proto__', 'constructor:3', 'toString:PCMU')), (text) => {
      try {
        const spec = parsePaSpec(text);
        assert.ok(spec.durationMs > 0 && spec.port >= 1 && spec.port <= 65535);
      } catch (err) {
        assert.ok(err instanceof PaSpecError, String(err));
      }
    }),
    { numRuns: 2000 },
  );
});
