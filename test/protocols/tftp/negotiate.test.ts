import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { negotiate } from '../../../protocols/tftp/negotiate.js';

const limits = { maxBlksize: 8192, maxWindowsize: 16, maxWindowBytes: 64 * 1024, defaultTimeoutMs: 1000 };

describe('TFTP option negotiation', () => {
  it('sends no OACK when the client asked for nothing: plain RFC 1350', () => {
    assert.deepEqual(negotiate({}, limits, 1234), { blksize: 512, windowsize: 1, timeoutMs: 1000, oack: undefined });
  });

  it('acknowledges exactly the options asked for, tsize with the real file size', () => {
    const n = negotiate({ blksize: 1428, tsize: 0 }, limits, 1234);
    assert.deepEqual(n.oack, [['blksize', '1428'], ['tsize', '1234']]);
    assert.equal(n.blksize, 1428);
    assert.equal(n.windowsize, 1);
  });

  it('clamps blksize and windowsize to the server maxima, never above what the client offered', () => {
    const n = negotiate({ blksize: 70000, windowsize: 65 }, { ...limits, maxWindowBytes: 1 << 20 }, 0);
    assert.deepEqual([n.blksize, n.windowsize], [8192, 16]);
    assert.deepEqual(n.oack, [['blksize', '8192'], ['windowsize', '16']]);
    assert.equal(negotiate({ blksize: 8 }, limits, 0).blksize, 8);
  });

  it('holds the window to maxWindowBytes, never below 1', () => {
    assert.equal(negotiate({ blksize: 8192, windowsize: 16 }, limits, 0).windowsize, 8);
    assert.deepEqual(negotiate({ blksize: 8192, windowsize: 16 }, { ...limits, maxWindowBytes: 1000 }, 0).oack, [
      ['blksize', '8192'],
      ['windowsize', '1'],
    ]);
    assert.equal(negotiate({ blksize: 1428, windowsize: 16 }, limits, 0).windowsize, 16);
  });

  it('honours the timeout the client asked for and echoes it', () => {
    const n = negotiate({ timeout: 3 }, limits, 0);
    assert.equal(n.timeoutMs, 3000);
    assert.deepEqual(n.oack, [['timeout', '3']]);
  });
});
