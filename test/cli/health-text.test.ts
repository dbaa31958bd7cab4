import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockLine, healthText } from '../../src/cli/health-text.js';

const T = Date.UTC(2026, 11, 2, 3, 0, 0);

describe('purser health text', () => {
  it('reads ages against the head-end clock, not the reader\'s (a laptop 10 h off still reads "3 min ago")', () => {
    const text = healthText({ state: 'running', status: 'ok', now: T, services: { store: { state: 'ok', since: T - 180_000 } } }, T + 36_000_000);
    assert.match(text, /^store\s+ok\s+3 min ago$/m);
    assert.match(text, /^status: ok$/m);
  });

  it('an older controller without `now`: ages against the reader\'s clock', () => {
    assert.match(healthText({ state: 'running', status: 'ok', services: { store: { state: 'ok', since: T - 7_200_000 } } }, T), /^store\s+ok\s+2 h ago$/m);
  });

  it('a controller still starting says what it is checking', () => {
    assert.equal(healthText({ state: 'starting', status: 'starting', checking: ['firmware', 'http'] }), 'the controller is starting; still checking: firmware, http');
  });

  it('the clock: the seats\' verdict and the last jump in words', () => {
    assert.equal(
      clockLine({ state: 'far-off', jumps: 2, lastJumpMs: -10_800_000, lastJumpAt: T - 240_000, seatOffsetMs: 185_000, seatsUsed: 57 }, T),
      "head-end clock: far-off; +3 min from the seats' consensus (57 seats); 2 jumps, the last -3.0 h 4 min ago",
    );
    assert.equal(clockLine({ state: 'ok', jumps: 0, seatOffsetMs: -420, seatsUsed: 3 }, T), "head-end clock: ok; -420 ms from the seats' consensus (3 seats); no jumps");
  });
});
