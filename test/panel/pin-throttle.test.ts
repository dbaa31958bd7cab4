import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLIENT_POLICY, FORGET_MS, GLOBAL_POLICY, initialThrottle, MAX_CLIENTS, recordFailure, recordSuccess, waitMs, type ThrottleState } from '../../src/auth/pin-throttle.js';

function failN(s: ThrottleState, client: string, n: number, now: number): ThrottleState {
  for (let i = 0; i < n; i++) s = recordFailure(s, client, now);
  return s;
}

describe('wrong-PIN throttle', () => {
  it('lets a purser mistype a few times, then locks that address for doubling times up to a cap', () => {
    let s = failN(initialThrottle(), 'a', CLIENT_POLICY.free, 0);
    assert.equal(waitMs(s, 'a', 0), 0);
    s = recordFailure(s, 'a', 0);
    assert.equal(waitMs(s, 'a', 0), CLIENT_POLICY.baseMs);
    s = recordFailure(s, 'a', CLIENT_POLICY.baseMs);
    assert.equal(waitMs(s, 'a', CLIENT_POLICY.baseMs), 2 * CLIENT_POLICY.baseMs);
    s = failN(s, 'a', 40, 10_000);
    assert.equal(waitMs(s, 'a', 10_000), CLIENT_POLICY.maxMs);
    assert.equal(waitMs(s, 'b', 10_000), GLOBAL_POLICY.maxMs, 'the whole controller is locked after so many failures');
  });

  it('locks everyone when failures come from many addresses (a guesser spread over seats)', () => {
    let s = initialThrottle();
    for (let i = 0; i < GLOBAL_POLICY.free; i++) s = recordFailure(s, `seat-${i}`, 0);
    assert.equal(waitMs(s, 'purser', 0), 0);
    s = recordFailure(s, 'seat-x', 0);
    assert.equal(waitMs(s, 'purser', 0), GLOBAL_POLICY.baseMs);
    assert.equal(waitMs(s, 'purser', GLOBAL_POLICY.baseMs), 0);
  });

  it('a right PIN clears that address; quiet counters are forgotten', () => {
    let s = failN(initialThrottle(), 'a', CLIENT_POLICY.free + 1, 0);
    s = recordSuccess(s, 'a');
    assert.equal(s.clients.has('a'), false);
    s = failN(s, 'b', CLIENT_POLICY.free + 1, 0);
    const t = FORGET_MS + CLIENT_POLICY.maxMs;
    s = recordFailure(s, 'b', t);
    assert.equal(waitMs(s, 'b', t), 0, 'after a quiet spell, one failure is a first failure again');
  });

  it('keeps memory bounded under a flood of addresses', () => {
    let s = initialThrottle();
    for (let i = 0; i < MAX_CLIENTS + 50; i++) s = recordFailure(s, `x${i}`, i * FORGET_MS);
    assert.equal(s.clients.size, MAX_CLIENTS);
  });
});
