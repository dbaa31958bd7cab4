import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resultsPath, writeResults } from '../../../bench/lib/results.js';

test('results go to bench/results/<name>.json unless a path is given, with the machine they were taken on', async () => {
  assert.ok(resultsPath('poll').endsWith('/bench/results/poll.json'));
  const dir = await mkdtemp(join(tmpdir(), 'bench-results-'));
  try {
    const path = await writeResults('poll', { quick: true, figure: 3 }, join(dir, 'deeper', 'x.json'));
    assert.equal(path, join(dir, 'deeper', 'x.json'));
    const saved = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(saved.bench, 'poll');
    assert.equal(saved.figure, 3);
    assert.equal(saved.machine.loadavg.length, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
