import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  initialReceiverState,
  onMulticast,
  onPollResponse,
  PENDING_LIMIT,
  POLL_COMMAND_LIMIT,
  type ReceiverState,
  type ReceiverStep,
} from '../../../protocols/seat-command/receiver-state.js';
import type { CommandBody, Target } from '../../../protocols/seat-command/types.js';
import { body } from './fixtures.js';

const seat = { id: '12A', zone: 'Y' };
const NOW = 1_763_800_000_000;
const mine: Target = { seats: ['12A'] };
const theirs: Target = { zones: ['J'] };

function cmd(seq: number, target: Target = mine, expiresAt = NOW + 60_000): CommandBody {
  return body('media.pause', { seq, at: NOW - 1, expiresAt, target });
}

/** Feeds datagrams in order, collecting what the seat applies. */
function multicast(state: ReceiverState, ...bodies: CommandBody[]): ReceiverStep {
  const out: ReceiverStep = { state, apply: [], skipped: [] };
  for (const b of bodies) {
    const step = onMulticast(out.state, b, seat, NOW);
    out.state = step.state;
    out.apply.push(...step.apply);
    out.skipped.push(...step.skipped);
  }
  return out;
}

const seqs = (cs: readonly CommandBody[]) => cs.map((c) => c.seq);

describe('receiver rules on multicast', () => {
  it('applies a command once although it arrives three times', () => {
    const step = multicast(initialReceiverState(), cmd(1), cmd(1), cmd(1));
    assert.deepEqual(seqs(step.apply), [1]);
    assert.deepEqual(step.skipped, [
      { seq: 1, reason: 'replay' },
      { seq: 1, reason: 'replay' },
    ]);
    assert.equal(step.state.ackCmd, 1);
  });

  it('drops a replay of an old seq, even after a restart from the persisted ackCmd', () => {
    const step = multicast(initialReceiverState(40), cmd(39), cmd(40), cmd(41));
    assert.deepEqual(seqs(step.apply), [41]);
    assert.deepEqual(step.skipped.map((s) => s.reason), ['replay', 'replay']);
  });

  it('steps over commands for other seats, so the next one for this seat applies at once', () => {
    const step = multicast(initialReceiverState(), cmd(1, theirs), cmd(2, { all: true }), cmd(3, { zones: ['Y'] }), cmd(4, { seats: ['12B'] }), cmd(5));
    assert.deepEqual(seqs(step.apply), [2, 3, 5]);
    assert.deepEqual(step.skipped, [
      { seq: 1, reason: 'not-targeted' },
      { seq: 4, reason: 'not-targeted' },
    ]);
    assert.equal(step.state.ackCmd, 5);
  });

  it('ignores an expired command but applies one that expires this very millisecond', () => {
    const step = multicast(initialReceiverState(), cmd(1, mine, NOW - 1), cmd(2, mine, NOW));
    assert.deepEqual(seqs(step.apply), [2]);
    assert.deepEqual(step.skipped, [{ seq: 1, reason: 'expired' }]);
    assert.equal(step.state.ackCmd, 2);
  });

  it('holds a command above a gap and applies both in order when the gap fills', () => {
    const held = multicast(initialReceiverState(), cmd(2), cmd(3));
    assert.deepEqual(held.apply, []);
    assert.equal(held.state.ackCmd, 0);
    assert.deepEqual(seqs(held.state.pending), [2, 3]);
    const filled = multicast(held.state, cmd(1));
    assert.deepEqual(seqs(filled.apply), [1, 2, 3]);
    assert.deepEqual(filled.state, { ackCmd: 3, heard: 3, pending: [] });
  });

  it('releases a full buffer at once when the missing datagram arrives', () => {
    const held = multicast(initialReceiverState(), ...Array.from({ length: PENDING_LIMIT }, (_, i) => cmd(i + 2)));
    const filled = multicast(held.state, cmd(1));
    assert.equal(filled.apply.length, PENDING_LIMIT + 1);
    assert.deepEqual(filled.skipped, []);
  });

  it('re-checks expiry when a held command finally comes up', () => {
    const held = multicast(initialReceiverState(), cmd(2, mine, NOW + 10));
    const later = onMulticast(held.state, cmd(1), seat, NOW + 11);
    assert.deepEqual(seqs(later.apply), [1]);
    assert.deepEqual(later.skipped, [{ seq: 2, reason: 'expired' }]);
  });
});

describe('receiver rules on poll responses', () => {
  it('applies a command lost on multicast before the held ones after it', () => {
    const held = multicast(initialReceiverState(), cmd(1), cmd(3), cmd(4));
    const step = onPollResponse(held.state, [cmd(2), cmd(3), cmd(4)], held.state.heard, seat, NOW);
    assert.deepEqual(seqs(step.apply), [2, 3, 4]);
    assert.deepEqual(step.state, { ackCmd: 4, heard: 4, pending: [] });
  });

  it('settles a gap the poll does not list as not for this seat, releasing the held command', () => {
    // Seq 1 (for another zone) was lost; the poll was sent after hearing 2.
    const held = multicast(initialReceiverState(), cmd(2));
    const step = onPollResponse(held.state, [cmd(2)], held.state.heard, seat, NOW);
    assert.deepEqual(seqs(step.apply), [2]);
    assert.equal(step.state.ackCmd, 2);
  });

  it('settles everything heard before the poll even when nothing is listed', () => {
    const held = multicast(initialReceiverState(), cmd(3, theirs), cmd(4, theirs));
    const step = onPollResponse(held.state, [], 4, seat, NOW);
    assert.deepEqual(step.apply, []);
    assert.deepEqual(step.state, { ackCmd: 4, heard: 4, pending: [] });
  });

  it('does not settle past what it heard before sending the poll', () => {
    // Seq 5 arrived after the poll left (heardAtRequest 0): seq 4 may be a lost command for this seat.
    const held = multicast(initialReceiverState(), cmd(5));
    const step = onPollResponse(held.state, [], 0, seat, NOW);
    assert.deepEqual(step.apply, []);
    assert.equal(step.state.ackCmd, 0);
    assert.deepEqual(seqs(step.state.pending), [5]);
  });

  it('settles only up to the last listed seq when the list is full', () => {
    const listed = Array.from({ length: POLL_COMMAND_LIMIT }, (_, i) => cmd(2 * i + 1));
    const held = multicast(initialReceiverState(), cmd(100));
    const step = onPollResponse(held.state, listed, 100, seat, NOW);
    assert.deepEqual(seqs(step.apply), seqs(listed));
    assert.equal(step.state.ackCmd, 2 * POLL_COMMAND_LIMIT - 1);
    assert.deepEqual(seqs(step.state.pending), [100]);
  });

  it('does not apply again what multicast applied while the poll was in flight', () => {
    const applied = multicast(initialReceiverState(), cmd(1), cmd(2));
    const step = onPollResponse(applied.state, [cmd(1), cmd(2), cmd(3)], 0, seat, NOW);
    assert.deepEqual(seqs(step.apply), [3]);
    assert.deepEqual(step.skipped, [
      { seq: 1, reason: 'replay' },
      { seq: 2, reason: 'replay' },
    ]);
  });

  it('keeps a listed command even when the held ones already fill the buffer', () => {
    // Seq 1 lost; 2..65 held (the limit); the poll lists 1 and 66, which was lost too.
    const held = multicast(initialReceiverState(), ...Array.from({ length: PENDING_LIMIT }, (_, i) => cmd(i + 2, theirs)));
    const step = onPollResponse(held.state, [cmd(1), cmd(PENDING_LIMIT + 2)], held.state.heard, seat, NOW);
    assert.deepEqual(seqs(step.apply), [1, PENDING_LIMIT + 2]);
    assert.equal(step.state.ackCmd, PENDING_LIMIT + 2);
  });

  it('loses nothing when more commands are held than it keeps: the poll brings them back', () => {
    const many = Array.from({ length: PENDING_LIMIT + 5 }, (_, i) => cmd(i + 2));
    const held = multicast(initialReceiverState(), ...many);
    assert.equal(held.state.pending.length, PENDING_LIMIT);
    assert.deepEqual(
      held.skipped.map((s) => s.seq),
      many.slice(PENDING_LIMIT).map((c) => c.seq),
    );
    assert.ok(held.skipped.every((s) => s.reason === 'overflow'));
    let state = held.state;
    const applied: number[] = [];
    // The controller lists every unacked command for this seat, 32 at a time.
    for (const all = [cmd(1), ...many]; ; ) {
      const listed = all.filter((c) => c.seq > state.ackCmd).slice(0, POLL_COMMAND_LIMIT);
      const step = onPollResponse(state, listed, state.heard, seat, NOW);
      applied.push(...seqs(step.apply));
      state = step.state;
      if (listed.length < POLL_COMMAND_LIMIT) break;
    }
    assert.deepEqual(applied, [1, ...seqs(many)]);
  });
});
