import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFirmwareController, type FirmwareController } from './controller.js';

/**
 * The firmware service cannot start (no key to verify images with): its
 * supervisor keeps retrying, the rest of the controller runs, and what needs
 * the catalog says plainly that it is not running (src/core/while-running.ts).
 */
describe('while the firmware catalog is not running', () => {
  let fc: FirmwareController;
  before(async () => {
    fc = await startFirmwareController({ firmware: { sign: false }, tftp: { enabled: false } });
  });
  after(() => fc.stop());

  it('the firmware routes and a new rollout answer 503 FIRMWARE_UNAVAILABLE with Retry-After; health names the reason', async () => {
    // While the first start is under way the routes may still answer STARTING: what counts is the answer after it.
    let r = await fetch(`${fc.url}/api/v1/firmware`);
    for (let i = 0; i < 100 && r.status === 503 && (await r.clone().json()).error?.code === 'STARTING'; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await fetch(`${fc.url}/api/v1/firmware`);
    }
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.deepEqual(await r.json(), { error: { code: 'FIRMWARE_UNAVAILABLE', message: 'the firmware catalog is not running; see GET /api/v1/health' } });
    assert.equal((await fetch(`${fc.url}/seat/v1/firmware-key`)).status, 503, 'seats asking for the key too');
    const rollout = await fc.api('POST', '/api/v1/rollouts', { model: 'sp-7', version: '2.0.0', target: { all: true }, onGround: true });
    assert.equal(rollout.status, 503);
    assert.equal(rollout.body.error?.code, 'FIRMWARE_UNAVAILABLE');
    const health = (await (await fetch(`${fc.url}/api/v1/health`)).json()) as { services: Record<string, { state: string; detail?: string }> };
    assert.equal(health.services.firmware?.state, 'down');
    assert.match(health.services.firmware?.detail ?? '', /firmware\.sign is false and firmware\.publicKeyFile is not set/);
    assert.equal(health.services.commands?.state, 'ok', 'the rest runs');
  });
});
