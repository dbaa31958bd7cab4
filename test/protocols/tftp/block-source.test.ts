import assert from 'node:assert/strict';
import { open, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlockSource } from '../../../protocols/tftp/block-source.js';
import { encodeData } from '../../../protocols/tftp/codec.js';
import { makeRoot } from './helpers.js';

describe('TFTP block source', () => {
  let root: Awaited<ReturnType<typeof makeRoot>>;
  before(async () => {
    // 300 KiB: three chunks of 128 KiB read-ahead at blksize 512 (256 blocks each).
    root = await makeRoot({ 'big.img': 300 * 1024 + 5, 'exact.img': 1024, 'shrinks.img': 200 * 1024 });
  });
  after(() => root.cleanup());

  const expected = (file: string, block: number, blksize: number): Buffer =>
    encodeData(block, root.content.get(file)!.subarray((block - 1) * blksize, block * blksize));

  /** Sends the file the way a transfer does: load what is missing, release what is acknowledged. */
  async function readAll(file: string, blksize: number, windowsize: number, sendsIdle: () => boolean, keepViews = false): Promise<Buffer[]> {
    const handle = await open(join(root.root, file));
    try {
      const source = new BlockSource(handle, root.content.get(file)!.length, blksize, windowsize, sendsIdle);
      const packets: Buffer[] = [];
      for (let b = 1; b <= source.lastBlock; b++) {
        if (!source.packet(b)) await source.load(b);
        const p = source.packet(b)!;
        packets.push(keepViews ? p : Buffer.from(p));
        if (b % windowsize === 0) source.release(b);
      }
      return packets;
    } finally {
      await handle.close();
    }
  }

  it('yields every block as a DATA packet, across chunks and with read-ahead', async () => {
    const packets = await readAll('big.img', 512, 16, () => true);
    assert.equal(packets.length, 601);
    packets.forEach((p, i) => assert.deepEqual(p, expected('big.img', i + 1, 512), `block ${i + 1}`));
  });

  it('ends a file that is a multiple of blksize with an empty block', async () => {
    const packets = await readAll('exact.img', 512, 1, () => true);
    assert.deepEqual(packets.map((p) => p.length), [516, 516, 4]);
  });

  it('never overwrites a packet a send may still be reading', async () => {
    // sendsIdle false: every refill must use a fresh buffer, so earlier packets stay intact.
    const packets = await readAll('big.img', 512, 16, () => false, true);
    packets.forEach((p, i) => assert.deepEqual(p, expected('big.img', i + 1, 512), `block ${i + 1}`));
  });

  it('fails the read, rather than sending garbage, when the file shrinks underneath', async () => {
    const handle = await open(join(root.root, 'shrinks.img'));
    try {
      const source = new BlockSource(handle, 200 * 1024, 512, 1, () => true);
      await source.load(1);
      await truncate(join(root.root, 'shrinks.img'), 1000);
      source.release(256);
      await assert.rejects(source.load(257), /file shrank/);
    } finally {
      await handle.close();
    }
  });
});
