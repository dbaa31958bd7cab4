import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuPercent, sampleProc, statTicks, statusRssBytes } from '../../../bench/lib/proc.js';

test('CPU ticks are read past a command name holding spaces and parentheses', () => {
  const stat = '4242 (node (tsx) x) S 1 4242 4242 0 -1 4194304 1520 0 0 0 731 169 0 0 20 0 11 0 1234 1073741824 30000';
  assert.equal(statTicks(stat), 731 + 169);
  assert.throws(() => statTicks('garbage'), /unreadable/);
});

test('RSS comes from VmRSS in kB', () => {
  assert.equal(statusRssBytes('Name:\tnode\nVmRSS:\t  131072 kB\nThreads:\t11\n'), 128 * 2 ** 20);
});

test('a busy process shows CPU use; its own sample is plausible', () => {
  const from = sampleProc(process.pid);
  const until = performance.now() + 200;
  while (performance.now() < until); // burn ~200 ms of one core
  const to = sampleProc(process.pid);
  const pct = cpuPercent(from, to);
  assert.ok(pct > 30 && pct < 250, `busy loop measured at ${pct} % of a core`);
  assert.ok(to.rssBytes > 10 * 2 ** 20);
});
