import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { validateConfig } from '../../src/app/config.js';
import { parseRolloutRequest } from '../../src/firmware/rollout/request.js';
import { startFirmwareController, type FirmwareController } from './controller.js';

const defaults = validateConfig({ stateDir: '/nonexistent' }).config.rollout;

/** Bodies near the real shape (known keys, wild values) as well as anything at all. */
const field = fc.oneof(fc.anything(), fc.integer(), fc.double(), fc.string(), fc.boolean());
const nearBody = fc.record(
  {
    model: fc.oneof(fc.constant('gp3'), fc.string()),
    version: fc.oneof(fc.constant('2.5.0'), fc.string()),
    target: fc.oneof(fc.constant({ all: true }), fc.record({ seats: fc.array(fc.string(), { maxLength: 3 }) }), fc.record({ zones: fc.anything() }), fc.anything()),
    onGround: fc.oneof(fc.boolean(), field),
    force: field,
    canary: field,
    batchSize: field,
    maxConcurrent: field,
    successThreshold: field,
    seatTimeoutMs: field,
    retries: field,
    errorThreshold: fc.oneof(fc.record({ percent: field, seats: field }, { requiredKeys: [] }), field),
  },
  { requiredKeys: [] },
);
const anyBody = fc.oneof(nearBody, fc.anything(), fc.dictionary(fc.string(), fc.anything()));

describe('rollout request parser', () => {
  it('never throws; accepts only in-range options, otherwise names a field', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        const v = parseRolloutRequest(body, defaults);
        if (!v.ok) {
          assert.ok(v.errors.length > 0);
          for (const e of v.errors) assert.equal(typeof e.message, 'string');
          return;
        }
        const o = v.value.options;
        assert.ok(Number.isInteger(o.batchSize) && o.batchSize >= 1);
        assert.ok(o.successThreshold > 0 && o.successThreshold <= 1);
        assert.ok(o.errorThreshold.percent >= 0 && o.errorThreshold.percent <= 100);
        assert.equal(typeof v.value.onGround, 'boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

describe('rollout and firmware API under fuzzed input', () => {
  let fwc: FirmwareController;
  before(async () => {
    fwc = await startFirmwareController();
    await fwc.upload('gp3', '2.5.0', Buffer.alloc(1000, 5));
  });
  after(() => fwc.stop());

  it('answers every POST /api/v1/rollouts body with 201 or a 4xx {"error":{code,message}}, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const text = JSON.stringify(body) ?? 'null';
        const res = await fwc.api<{ rollout?: { id: number } }>('POST', '/api/v1/rollouts', text);
        if (res.status === 201) {
          await fwc.api('POST', `/api/v1/rollouts/${res.body.rollout!.id}/cancel`);
          return;
        }
        assert.ok(res.status >= 400 && res.status < 500, `${res.status} for ${text.slice(0, 200)}`);
        assert.equal(typeof res.body.error?.code, 'string');
        assert.equal(typeof res.body.error?.message, 'string');
      }),
      { numRuns: 300 },
    );
    assert.equal((await fetch(`${fwc.url}/api/v1/health`)).status, 200);
  });

  it('answers fuzzed ids, actions and image names with a 4xx error body', async () => {
    const segment = fc.string({ minLength: 1, maxLength: 40 }).map(encodeURIComponent);
    await fc.assert(
      fc.asyncProperty(segment, segment, fc.uint8Array({ maxLength: 64 }), async (a, b, bytes) => {
        for (const [method, path] of [
          ['GET', `/api/v1/rollouts/${a}`],
          ['POST', `/api/v1/rollouts/${a}/${b}`],
        ] as const) {
          const res = await fwc.api(method, path);
          assert.ok(res.status >= 400 && res.status < 500, `${method} ${path}: ${res.status}`);
          assert.equal(typeof res.body.error?.code, 'string');
        }
        const up = await fwc.upload(a, b, Buffer.from(bytes));
        assert.ok(up.status === 201 || (up.status >= 400 && up.status < 500), `PUT ${a}/${b}: ${up.status}`);
        if (up.status !== 201) assert.equal(typeof up.body.error?.code, 'string');
      }),
      { numRuns: 150 },
    );
  });
});
