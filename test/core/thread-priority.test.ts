import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lowerThisThreadPriority } from '../../core/thread-priority.js';
import { HashPool } from '../../firmware/hash-pool.js';

/** Each thread of this process with its nice value (field 19 of /proc/self/task/TID/stat). */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      nices.set(Number(tid), Number(fields[19 - 3]));
    } catch {
      // the thread ended while we read
    }
  }
  return nices;
}

describe('bulk-work threads run at a lower priority than the event loop', () => {
  it('a hashing worker runs at nice +10 while the main thread keeps its own', { skip: process.platform !== 'linux' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'purser-nice-'));
    const base = getPriority(0);
    const pool = new HashPool({ maxThreads: 1 });
    try {
      writeFileSync(join(dir, 'image.bin'), Buffer.alloc(64 * 1024, 7));
      await pool.hashFile(join(dir, 'image.bin'));
      const nices = threadNices();
      assert.equal(nices.get(process.pid), base, 'the main thread (tid = pid) is not reniced');
      const lowered = [...nices].filter(([, nice]) => nice === Math.min(19, base + 10));
      assert.ok(lowered.length >= 1, `a worker thread at nice ${Math.min(19, base + 10)}: ${JSON.stringify([...nices])}`);
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to renice the main thread', () => {
    const before = getPriority(0);
    assert.equal(lowerThisThreadPriority(), null);
    assert.equal(getPriority(0), before);
  });
});
