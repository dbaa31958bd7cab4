import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimitedWarn } from '../../core/rate-limited-warn.js';

describe('TFTP rate-limited warnings', () => {
  it('logs at most 5 per key per 10 s, then says how many it swallowed', () => {
    const lines: Array<[object, string]> = [];
    let now = 0;
    const log = new RateLimitedWarn({ warn: (o, m) => lines.push([o, m]) }, 5, 10_000, () => now);
    for (let i = 0; i < 1000; i++) log.warn('bad:10.0.0.7', { i }, 'bad TFTP packet');
    log.warn('bad:10.0.0.8', {}, 'bad TFTP packet');
    assert.equal(lines.length, 6, 'five for the flooding seat, one for the other');
    now = 10_000;
    log.warn('bad:10.0.0.7', {}, 'bad TFTP packet');
    assert.deepEqual(lines[6], [{ key: 'bad:10.0.0.7', suppressed: 995 }, 'suppressed repeated warnings']);
    assert.equal(lines.length, 8);
  });
});
