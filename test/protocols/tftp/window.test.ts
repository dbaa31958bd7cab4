import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ackReceived, isComplete, repeatedAck, startWindow, timedOut, type Plan } from '../../../protocols/tftp/window.js';

const range = (p: Plan | undefined): [number, number] | undefined => p && [p.from, p.to];

describe('TFTP sender window', () => {
  it('lockstep: each ACK releases exactly the next block; a repeated ACK releases nothing', () => {
    let p = startWindow(false, 1, 3);
    assert.deepEqual(range(p), [1, 1]);
    p = ackReceived(p.state, 1, 1, 3)!;
    assert.deepEqual(range(p), [2, 2]);
    // Sorcerer's Apprentice: the duplicate ACK 1 (answering a retransmitted block 1) must not send block 2 again.
    assert.equal(ackReceived(p.state, 1, 1, 3), undefined);
  });

  it('starts with the OACK as block 0 and resends only it until ACK 0 arrives', () => {
    const p = startWindow(true, 16, 100);
    assert.deepEqual(range(p), [0, 0]);
    assert.deepEqual(range(timedOut(p.state, 16, 100)), [0, 0]);
    assert.deepEqual(range(ackReceived(p.state, 0, 16, 100)), [1, 16]);
  });

  it('windowed: an ACK inside the window restarts it after the acknowledged block', () => {
    const w = ackReceived(startWindow(true, 8, 100).state, 0, 8, 100)!;
    assert.deepEqual(range(w), [1, 8]);
    const lost4 = ackReceived(w.state, 3, 8, 100)!;
    assert.deepEqual(range(lost4), [4, 11]);
    assert.equal(ackReceived(lost4.state, 3, 8, 100), undefined, 'a second ACK 3 is stale');
    assert.equal(ackReceived(lost4.state, 12, 8, 100), undefined, 'an ACK beyond what was sent is ignored');
  });

  it('windowed: a repeat of the last ACK while a window is out resends that window (its first block was lost)', () => {
    const w = ackReceived(ackReceived(startWindow(true, 8, 100).state, 0, 8, 100)!.state, 8, 8, 100)!;
    assert.deepEqual(range(w), [9, 16]);
    assert.deepEqual(range(repeatedAck(w.state, 8, 8, 100)), [9, 16]);
    assert.equal(repeatedAck(w.state, 7, 8, 100), undefined, 'an older ACK is no news');
    assert.equal(repeatedAck(w.state, 12, 8, 100), undefined, 'not a repeat: ackReceived handles it');
    const end = ackReceived(startWindow(false, 8, 10).state, 8, 8, 10)!;
    assert.deepEqual(range(repeatedAck(end.state, 8, 8, 10)), [9, 10], 'capped at the last block');
  });

  it('lockstep: a repeated ACK never resends (the Sorcerer’s Apprentice), nor does one before ACK 0', () => {
    const p = ackReceived(startWindow(false, 1, 3).state, 1, 1, 3)!;
    assert.equal(repeatedAck(p.state, 1, 1, 3), undefined);
    assert.equal(repeatedAck(startWindow(true, 8, 100).state, 0, 8, 100), undefined);
  });

  it('on timeout resends the window after the last acknowledged block, capped at the last block', () => {
    const p = ackReceived(startWindow(false, 4, 6).state, 4, 4, 6)!;
    assert.deepEqual(range(p), [5, 6]);
    assert.deepEqual(range(timedOut(p.state, 4, 6)), [5, 6]);
  });

  it('maps 16-bit ACK numbers across the 65535 -> 0 rollover', () => {
    let p = startWindow(false, 4, 70000);
    while (p.state.acked < 65530) p = ackReceived(p.state, p.to & 0xffff, 4, 70000)!;
    assert.equal(p.state.acked, 65532);
    assert.deepEqual(range(p), [65533, 65536]);
    p = ackReceived(p.state, 0, 4, 70000)!; // block 65536 is 0 on the wire
    assert.equal(p.state.acked, 65536);
    assert.deepEqual(range(p), [65537, 65540]);
    assert.equal(ackReceived(p.state, 65535, 4, 70000), undefined, 'an old pre-rollover ACK stays stale');
    assert.equal(ackReceived(p.state, 2, 4, 70000)!.state.acked, 65538);
  });

  it('is complete once the last block is acknowledged', () => {
    const p = ackReceived(startWindow(false, 2, 2).state, 2, 2, 2)!;
    assert.equal(isComplete(p.state, 2), true);
    assert.deepEqual(range(p), [3, 2], 'nothing left to send');
  });
});
