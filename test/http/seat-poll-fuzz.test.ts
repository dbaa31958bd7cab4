import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { postPoll, pollBody } from '../helpers/poll.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { deriveLruKey, signBody } from '../../protocols/seat-poll/hmac.js';

/** For each field, values that break the schema: the controller must refuse every one. */
const INVALID: Record<string, unknown[]> = {
  seat: ['', '0A', '12a', '1234A', 12, null, 'A12', '12AB'],
  lru: [null, 'GP3', [], { serial: 'x' }, { serial: '', model: 'gp3', firmware: '1', mac: '02:00:00:00:00:01' }],
  bootId: ['', 'a b', 5, null, 'x'.repeat(65)],
  seq: [-1, 1.5, '7', null, {}, 2 ** 60],
  ackCmd: [-1, 0.1, 'x', [], null],
  uptimeMs: [-5, 'x', true],
  clockAt: [-1, 'now', null],
  media: [null, {}, { state: 'dancing' }, { state: 'playing', volume: 11 }, { state: 'idle', positionMs: -1 }],
  inputs: [null, {}, { call: { on: 'yes', sinceMs: 1 } }, { call: { on: true } }, { call: { on: true, sinceMs: 1 }, BAD: { on: true, sinceMs: 1 } }],
  faults: [null, {}, [{ code: 'lower', severity: 'warn', sinceMs: 0 }], [{ code: 'X', severity: 'doom', sinceMs: 0 }], Array(33).fill({ code: 'X', severity: 'warn', sinceMs: 0 })],
  update: [null, { state: 'exploding' }, { state: 'downloading', progress: 2 }],
};

describe('seat poll under bad input (fast-check)', () => {
  let tc: TestController;
  before(async () => {
    tc = await startTestController();
  });
  after(() => tc.stop());

  async function expectRefused(res: { status: number; body: { error?: { code: string; message: string } } }) {
    assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
    assert.equal(typeof res.body.error?.code, 'string');
    assert.ok((res.body.error?.message.length ?? 0) > 0);
  }

  it('answers 5,000+ malformed bodies and signatures with 4xx and the error shape, and stores nothing', async () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.string({ maxLength: 300 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc.constant('x'.repeat(17_000)),
    );
    await fc.assert(
      fc.asyncProperty(garbage, fc.option(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 70 }), { nil: null }), async (raw, sig) => {
        await expectRefused(await postPoll(tc.url, raw, { signature: sig }));
      }),
      { numRuns: 2500 },
    );

    const fields = Object.keys(INVALID);
    const broken = fc
      .record({ field: fc.constantFrom(...fields), pick: fc.nat(), drop: fc.boolean(), seat: fc.constantFrom('1A', '12C', '50F') })
      .map(({ field, pick, drop, seat }) => {
        const body = pollBody(seat) as unknown as Record<string, unknown>;
        if (drop) delete body[field];
        else body[field] = INVALID[field]![pick % INVALID[field]!.length];
        return body;
      });
    await fc.assert(
      fc.asyncProperty(broken, async (body) => {
        // Correctly signed (where a serial exists), so only the shape can refuse it.
        const serial = typeof (body.lru as { serial?: unknown })?.serial === 'string' ? (body.lru as { serial: string }).serial : 'X';
        await expectRefused(await postPoll(tc.url, JSON.stringify(body), { serial }));
      }),
      { numRuns: 2000 },
    );

    const tampered = fc.record({ seat: fc.constantFrom('1A', '20D'), flip: fc.nat({ max: 63 }) });
    await fc.assert(
      fc.asyncProperty(tampered, async ({ seat, flip }) => {
        const good = pollBody(seat);
        const res = await postPoll(tc.url, JSON.stringify({ ...good, ackCmd: good.ackCmd + 1 }), {
          signature: flipHex(signedFor(good), flip),
        });
        assert.equal(res.status, 401);
        await expectRefused(res);
      }),
      { numRuns: 600 },
    );

    // Still up, still answering, and nothing from the garbage became seat state.
    const health = await fetch(`${tc.url}/api/v1/health`);
    assert.equal(health.status, 200);
    const { registry, store } = tc.controller.ctx;
    assert.equal(registry.all().filter((s) => s.lastPollAt !== null).length, 0);
    store.flush(registry.takeDirty());
    assert.equal(store.loadSnapshots().length, 0);
    assert.equal(store.recentEvents().length, 0);
  });
});

function signedFor(body: ReturnType<typeof pollBody>): string {
  return signBody(deriveLruKey(Buffer.from(TEST_SECRET, 'hex'), body.lru.serial), JSON.stringify(body));
}
function flipHex(hex: string, i: number): string {
  const c = hex[i]!;
  return hex.slice(0, i) + (c === '0' ? '1' : '0') + hex.slice(i + 1);
}
