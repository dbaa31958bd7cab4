// The shell's line history on a real file: lines typed faster than the disk
// writes are all kept, in order, and the directory is made on first use.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HistoryFile } from '../../src/console/history.js';

describe('console history file', () => {
  it('keeps every line of a burst, in order, in a directory it makes itself; load reads them newest first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-history-'));
    try {
      const h = new HistoryFile(join(dir, 'history', 'deep'), 'alice', 'shell');
      const lines = Array.from({ length: 200 }, (_, i) => `seats --zone J # ${i}`);
      await Promise.all(lines.map((l) => h.append(l)));
      await h.append('  \r\n ');
      await h.append('seat\n12A');
      assert.deepEqual((await readFile(h.path, 'utf8')).split('\n').slice(0, -1), [...lines, 'seat 12A']);
      const again = new HistoryFile(join(dir, 'history', 'deep'), 'alice', 'shell');
      assert.deepEqual((await again.load()).slice(0, 2), ['seat 12A', 'seats --zone J # 199']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a failed write rejects that append and a later one still writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-history-'));
    try {
      const h = new HistoryFile(join(dir, 'missing-parent-is-a-file', 'x'), 'bob', 'js');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(dir, 'missing-parent-is-a-file'), 'not a directory');
      await assert.rejects(h.append('1 + 1'));
      await rm(join(dir, 'missing-parent-is-a-file'));
      await h.append('2 + 2');
      assert.equal(await readFile(h.path, 'utf8'), '1 + 1\n2 + 2\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
