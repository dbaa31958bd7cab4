import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { measureLoopLag } from '../../../bench/lib/loop-lag.js';

test('a 150 ms block of the event loop shows as about 150 ms of lag, not as the sampling period', async () => {
  const lag = measureLoopLag(10);
  await sleep(100);
  const until = performance.now() + 150;
  while (performance.now() < until);
  await sleep(50);
  const { p50Ms, maxMs } = lag.stop();
  assert.ok(maxMs >= 130 && maxMs < 400, `max lag ${maxMs} ms`);
  assert.ok(p50Ms < 10, `median lag ${p50Ms} ms on a mostly idle loop`);
});
