import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeStep, type StepFigures } from '../../../bench/lib/ramp-verdict.js';

const limits = { p99Ms: 20, generatorLagMs: 5 };
const good: StepFigures = { seats: 1000, answeredPerSec: 1000.4, failed: 0, errors: {}, p99Ms: 4, generatorLoopLag: { p99Ms: 1 }, hostCpuPercent: 60 };

test('a step within every limit is sustained, even if the generator lagged', () => {
  assert.deepEqual(judgeStep(good, limits), { ok: true });
  assert.deepEqual(judgeStep({ ...good, generatorLoopLag: { p99Ms: 40 } }, limits), { ok: true });
});

test('the controller falls short on p99, failed polls or unanswered polls while the generator kept up', () => {
  for (const [w, why] of [
    [{ ...good, p99Ms: 21 }, /p99 21 ms > 20 ms/],
    [{ ...good, p99Ms: null }, /p99 null/],
    [{ ...good, failed: 2, errors: { ETIMEDOUT: 2 } }, /polls failed: \{"ETIMEDOUT":2\}/],
    [{ ...good, answeredPerSec: 900 }, /only 900 of 1000 polls\/s/],
  ] as const) {
    const v = judgeStep(w, limits);
    assert.equal(v.ok, false);
    if (!v.ok) {
      assert.equal(v.by, 'controller');
      assert.match(v.why, why);
      assert.doesNotMatch(v.why, /host/);
    }
  }
  const saturated = judgeStep({ ...good, p99Ms: 30, hostCpuPercent: 97 }, limits);
  assert.ok(!saturated.ok && saturated.by === 'controller' && /host's cores were 97 % busy/.test(saturated.why));
});

test('a step that falls short while the generator lagged is invalid, not a controller failure', () => {
  const v = judgeStep({ ...good, p99Ms: 50, generatorLoopLag: { p99Ms: 5.5 } }, limits);
  assert.ok(!v.ok && v.by === 'generator');
  assert.match(v.why, /invalid, not a controller failure/);
  // At the limit itself the generator counts as keeping up.
  const atLimit = judgeStep({ ...good, p99Ms: 50, generatorLoopLag: { p99Ms: 5 } }, limits);
  assert.ok(!atLimit.ok && atLimit.by === 'controller');
});

test("a server whose own loop lagged past the limit fell short itself, whatever the generator's lag", () => {
  // The 4,000-seat step of a real run: the controller at 96 % of a core, its loop 236 ms behind.
  const v = judgeStep({ ...good, p99Ms: 361, generatorLoopLag: { p99Ms: 7.35 }, serverLoopLag: { p99Ms: 236 }, serverCpuPercent: 96 }, limits);
  assert.ok(!v.ok && v.by === 'controller');
  assert.match(v.why, /own event loop lagged 236 ms \(p99\) at 96 % of a core: the polls waited on the server itself/);
  // A server loop within the limit leaves the generator's lag deciding, and a bare peer reports none.
  assert.ok(!judgeStep({ ...good, p99Ms: 50, generatorLoopLag: { p99Ms: 7 }, serverLoopLag: { p99Ms: 12 } }, limits).ok);
  assert.equal((judgeStep({ ...good, p99Ms: 50, generatorLoopLag: { p99Ms: 7 }, serverLoopLag: { p99Ms: null } }, limits) as { by: string }).by, 'generator');
});
