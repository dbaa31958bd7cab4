import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Feature } from '../../src/app/controller.js';
import { HealthCell } from '../../src/core/service.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { purser } from './run-cli.js';

/** A galley oven whose door has been open for 3 minutes: a degraded service with a known age. */
function ovenFeature(): Feature {
  const cell = new HealthCell('degraded', 'door open', () => Date.now() - 180_000);
  return { name: 'galley', setup: () => ({ services: [{ name: 'oven', health$: cell.health$, start: async () => undefined, stop: async () => undefined }] }) };
}

describe('purser health', () => {
  let tc: TestController;
  before(async () => {
    tc = await startTestController({}, [ovenFeature()]);
  });
  after(() => tc.stop());

  it('prints each service with its state, a readable age and why; the seats and the clock; exit 1 when one is not ok', async () => {
    const r = await purser(['health', '--controller', tc.url]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^SERVICE\s+STATE\s+SINCE\s+DETAIL$/m);
    assert.match(r.stdout, /^oven\s+degraded\s+3 min ago\s+door open$/m);
    assert.match(r.stdout, /^http\s+ok\s+\d+ s ago$/m);
    assert.doesNotMatch(r.stdout, /\b1[789]\d{11}\b|\d{4}-\d\d-\d\dT/, 'no epoch milliseconds or ISO strings');
    assert.match(r.stdout, /^status: degraded \(oven degraded\)$/m);
    assert.match(r.stdout, /^seats: 0 of 300 online$/m);
    assert.match(r.stdout, /^head-end clock: ok; no verdict from the seats yet \(fewer than 3 online\); no jumps$/m);
  });

  it('--json prints the API answer, which carries the head-end clock the ages are read against', async () => {
    const r = await purser(['health', '--controller', tc.url, '--json']);
    assert.equal(r.code, 1, r.stderr);
    const h = JSON.parse(r.stdout) as { status: string; now: number; services: Record<string, { since: number }> };
    assert.equal(h.status, 'degraded');
    assert.ok(Math.abs(h.now - Date.now()) < 60_000, 'now is the head-end wall clock in ms');
    assert.ok(h.now - h.services.oven!.since >= 180_000);
  });

  it('no controller: says so and exits 1', async () => {
    const r = await purser(['health', '--controller', 'http://127.0.0.1:9']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the controller at http:\/\/127\.0\.0\.1:9/);
  });
});
