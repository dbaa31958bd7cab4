import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_SESSIONS, SESSION_POLICY, SessionStore } from '../../src/auth/session-store.js';

describe('panel sessions', () => {
  it('gives a random 256-bit id and keeps a used session alive, an idle one not', () => {
    let t = 0;
    const store = new SessionStore(() => t);
    const s = store.create('crew');
    assert.equal(Buffer.from(s.id, 'base64url').length, 32);
    assert.notEqual(store.create('crew').id, s.id);
    t += SESSION_POLICY.crew.idleMs - 1;
    assert.equal(store.get(s.id)?.role, 'crew');
    t += SESSION_POLICY.crew.idleMs - 1;
    assert.ok(store.get(s.id), 'use restarts the idle time');
    t += SESSION_POLICY.crew.idleMs;
    assert.equal(store.get(s.id), undefined);
  });

  it('ends any session at its absolute limit, and a technician sooner than crew', () => {
    let t = 0;
    const store = new SessionStore(() => t);
    const crew = store.create('crew');
    const tech = store.create('technician');
    for (; t < SESSION_POLICY.technician.maxMs; t += 60_000) store.get(crew.id), store.get(tech.id);
    assert.equal(store.get(tech.id), undefined);
    assert.ok(store.get(crew.id));
    for (; t < SESSION_POLICY.crew.maxMs; t += 60_000) store.get(crew.id);
    assert.equal(store.get(crew.id), undefined);
  });

  it('holds at most MAX_SESSIONS, dropping the least recently used', () => {
    const store = new SessionStore(() => 0);
    const first = store.create('crew');
    const second = store.create('crew');
    for (let i = 0; i < MAX_SESSIONS - 2; i++) store.create('crew');
    store.get(first.id);
    store.create('crew');
    assert.equal(store.size, MAX_SESSIONS);
    assert.ok(store.get(first.id));
    assert.equal(store.get(second.id), undefined);
  });
});
