import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entityDetail, needsAttention } from '../../src/panel/web/entity-look.js';
import type { Entity } from '../../src/panel/web/wire.js';

const entity = (state: string, attributes: Record<string, unknown> = {}, kind = 'tunnel'): Entity => ({ id: `${kind}:x`, kind, state, attributes, changedAt: 0, updatedAt: 0 });

describe('what the Systems view flags', () => {
  it("trusts the publisher's attention attribute over the list of calm states, both ways", () => {
    assert.equal(needsAttention(entity('waiting-for-ground', { attention: false })), false, 'waiting for the ground is normal in the air');
    assert.equal(needsAttention(entity('listening', { attention: false }, 'console')), false);
    assert.equal(needsAttention(entity('up', { attention: true })), true, 'a calm word does not hide a publisher saying otherwise');
  });

  it('falls back to the calm states when the publisher does not say (or says it in something other than a boolean)', () => {
    assert.equal(needsAttention(entity('ok', {}, 'service')), false);
    assert.equal(needsAttention(entity('down', {}, 'service')), true);
    assert.equal(needsAttention(entity('waiting-for-ground')), true, 'an unknown state without the attribute is a problem');
    assert.equal(needsAttention(entity('down', { attention: 'no' }, 'service')), true);
  });

  it("shows the tunnel's lastError as the why, after detail and reason", () => {
    assert.equal(entityDetail(entity('backoff', { lastError: 'connect ECONNREFUSED 10.0.0.1:22' })), 'connect ECONNREFUSED 10.0.0.1:22');
    assert.equal(entityDetail(entity('up', { lastError: null })), '');
    assert.equal(entityDetail(entity('down', { detail: 'the port closed', lastError: 'older' })), 'the port closed');
    assert.equal(entityDetail(entity('down', { detail: '', reason: 'no signal' })), 'no signal');
  });
});
