import { EventBus } from '../../src/contract/event-bus.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeatRegistry, type PollVerdict } from '../../src/cabin/registry.js';
import { buildLayout, DEFAULT_LAYOUT } from '../../src/config/layout.js';
import type { PollRequest } from '../../protocols/seat-poll/types.js';
import { pollBody } from '../helpers/poll.js';

/** A registry whose nonces are n1, n2, ... so a test can name them. */
function harness() {
  let n = 0;
  const reg = new SeatRegistry(buildLayout(DEFAULT_LAYOUT), 1000, new EventBus(), { newNonce: () => `n${++n}`, maxPastBoots: 3 });
  let mono = 0;
  const poll = (over: Partial<PollRequest>) => {
    mono += 1000;
    return reg.accept(pollBody('15B', { seq: 1, ...over }), { mono, wall: 1_763_800_000_000 + mono });
  };
  return { reg, poll };
}
const code = (v: PollVerdict) => (v.ok ? 'ok' : v.code);
const nonceOf = (v: PollVerdict) => v.nonce;

describe('poll freshness (poll v1.1 nonces, v1 legacy)', () => {
  it('a v1.1 seat: every answer hands the nonce of its boot; a reboot brings a new one', () => {
    const h = harness();
    const a = h.poll({ bootId: 'b1', seq: 1 });
    assert.deepEqual([code(a), nonceOf(a)], ['ok', 'n1']);
    assert.deepEqual([code(h.poll({ bootId: 'b1', seq: 2, nonce: 'n1' })), h.reg.get('15B')?.freshness], ['ok', 'nonce']);
    const r = h.poll({ bootId: 'b2', seq: 1, nonce: 'n1' });
    assert.deepEqual([code(r), nonceOf(r)], ['ok', 'n2']);
    assert.deepEqual(h.reg.get('15B')?.pastBootIds, ['b1']);
    // The captured polls of boot 1, whatever they carry, are old now.
    assert.equal(code(h.poll({ bootId: 'b1', seq: 3, nonce: 'n1' })), 'STALE_POLL');
    assert.equal(code(h.poll({ bootId: 'b2', seq: 2, nonce: 'n1' })), 'STALE_POLL');
    assert.equal(h.reg.get('15B')?.bootId, 'b2');
  });

  it('a v1.1 unit without the nonce (a cold start, or a replay of a first poll) is told NONCE_REQUIRED with the nonce, and its retry is applied', () => {
    const h = harness();
    h.poll({ bootId: 'b1', seq: 1 });
    h.poll({ bootId: 'b1', seq: 2, nonce: 'n1' });
    const cold = h.poll({ bootId: 'b2', seq: 1 });
    assert.deepEqual([code(cold), nonceOf(cold)], ['NONCE_REQUIRED', 'n1']);
    assert.equal(h.reg.get('15B')?.bootId, 'b1', 'nothing applied');
    const retry = h.poll({ bootId: 'b2', seq: 2, nonce: 'n1' });
    assert.deepEqual([code(retry), nonceOf(retry), h.reg.get('15B')?.bootId], ['ok', 'n2', 'b2']);
  });

  it('a wrong nonce is answered with the right one (a controller that lost its last write resyncs the seat)', () => {
    const h = harness();
    h.poll({ bootId: 'b1', seq: 1 });
    const v = h.poll({ bootId: 'b1', seq: 2, nonce: 'from-a-lost-write' });
    assert.deepEqual([code(v), nonceOf(v)], ['STALE_POLL', 'n1']);
    assert.equal(code(h.poll({ bootId: 'b1', seq: 3, nonce: 'n1' })), 'ok');
  });

  it('a v1 seat is legacy: accepted, superseded bootIds refused (the last maxPastBoots of them), upgrading to v1.1 is one way', () => {
    const h = harness();
    for (const b of ['b1', 'b2', 'b3', 'b4', 'b5']) assert.equal(code(h.poll({ bootId: b })), 'ok', b);
    assert.equal(h.reg.get('15B')?.freshness, 'legacy');
    assert.deepEqual(h.reg.get('15B')?.pastBootIds, ['b2', 'b3', 'b4']);
    assert.equal(code(h.poll({ bootId: 'b3', seq: 9 })), 'STALE_POLL');
    assert.equal(code(h.poll({ bootId: 'b1', seq: 9 })), 'ok', 'beyond the remembered boots: a v1 seat cannot be told from a new boot');
    const nonce = h.reg.get('15B')!.pollNonce!;
    assert.equal(code(h.poll({ bootId: 'b1', seq: 10, nonce })), 'ok');
    assert.equal(h.reg.get('15B')?.freshness, 'nonce');
    assert.equal(code(h.poll({ bootId: 'b1', seq: 11 })), 'NONCE_REQUIRED', 'no way back to legacy');
  });

  it('the freshness state survives a restart (it is in the persisted snapshot) and moves with the unit', () => {
    const h = harness();
    h.poll({ bootId: 'b1', seq: 1 });
    h.poll({ bootId: 'b1', seq: 2, nonce: 'n1' });
    h.poll({ bootId: 'b2', seq: 1, nonce: 'n1' });
    const reg2 = new SeatRegistry(buildLayout(DEFAULT_LAYOUT), 1000, new EventBus(), { newNonce: () => 'fresh' });
    reg2.restore(JSON.parse(JSON.stringify(h.reg.takeDirty())));
    const at = { mono: 0, wall: 1_763_900_000_000 };
    assert.equal(code(reg2.accept(pollBody('15B', { bootId: 'b1', seq: 5, nonce: 'n1' }), at)), 'STALE_POLL');
    assert.equal(code(reg2.accept(pollBody('15B', { bootId: 'b2', seq: 5 }), at)), 'NONCE_REQUIRED');
    // The unit is fitted at 16B (15B long silent): its nonce and past boots go with it.
    const later = { mono: 1, wall: at.wall + 600_000 };
    assert.equal(code(reg2.accept(pollBody('16B', { lru: pollBody('15B').lru, bootId: 'b3', seq: 1, nonce: 'n2' }), later)), 'ok');
    assert.equal(reg2.get('16B')?.freshness, 'nonce');
    assert.deepEqual(reg2.get('16B')?.pastBootIds, ['b1', 'b2']);
    assert.equal(reg2.get('15B')?.lru, null);
  });
});
