import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startTestController, type TestController } from '../helpers/controller.js';
import { TEST_TOKEN } from '../helpers/commands.js';
import { pollBody, postPoll } from '../helpers/poll.js';

/**
 * The technician's move decisions (POST /api/v1/moves/:seat/confirm|reject)
 * under any path and body: refused with a 4xx and the error shape, never a
 * 500, and no held claim is decided by a request that does not name it.
 */
describe('moves API under bad input (fast-check)', () => {
  let tc: TestController;
  const auth = { authorization: `Bearer ${TEST_TOKEN}` };
  const lru = { serial: 'GP3-OLD', model: 'gp3', firmware: '2.4.0', mac: '02:00:00:00:00:09' };

  before(async () => {
    tc = await startTestController({ api: { token: TEST_TOKEN } });
    // 2C's unit is GP3-OLD; a second unit (the seat's own serial) then claims 2C: held as a move.
    await postPoll(tc.url, pollBody('2C', { lru }));
    assert.equal((await postPoll(tc.url, pollBody('2C'))).status, 409);
  });
  after(() => tc.stop());

  const pending = async () => ((await (await fetch(`${tc.url}/api/v1/moves`, { headers: auth })).json()) as { moves: { seat: string }[] }).moves;

  it('a thousand malformed decisions get a 4xx with a code and a message; the held move stays held', async () => {
    assert.equal((await pending()).length, 1);
    const segment = fc.oneof(fc.constantFrom('2C', '99Z', '', 'confirm', 'reject', '%00', '..', '2C'.repeat(10)), fc.string({ maxLength: 12 }));
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc.record({ serial: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null)) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(segment, fc.constantFrom('confirm', 'reject', 'maybe', ''), body, async (seat, decision, text) => {
        const res = await fetch(`${tc.url}/api/v1/moves/${encodeURIComponent(seat)}/${decision}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: text });
        const reply = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
        // Only the one valid request (2C, the claiming serial) may succeed: the generators never make it
        // (unknown fields are stripped by the server, so the serial alone decides).
        assert.ok(res.status >= 400 && res.status < 500, `${res.status} for ${seat}/${decision} ${text}`);
        assert.equal(typeof reply.error?.code, 'string');
        assert.ok((reply.error?.message ?? '').length > 0);
      }),
      { numRuns: 1000 },
    );
    assert.deepEqual((await pending()).map((m) => m.seat), ['2C'], 'nothing malformed decided the held move');
    assert.equal((await (await fetch(`${tc.url}/api/v1/health`)).status), 200);
  });

  it('without the technician token every decision is refused 401, whatever it says', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('confirm', 'reject'), fc.string({ maxLength: 40 }), async (decision, serial) => {
        const res = await fetch(`${tc.url}/api/v1/moves/2C/${decision}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serial }) });
        assert.equal(res.status, 401);
      }),
      { numRuns: 100 },
    );
    assert.equal((await pending()).length, 1);
  });

  it("the named claim is then confirmed, and the unit's next poll holds the seat", async () => {
    const ok = await fetch(`${tc.url}/api/v1/moves/2C/confirm`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ serial: 'GP3-2C' }) });
    assert.equal(ok.status, 200, await ok.text());
    assert.equal((await postPoll(tc.url, pollBody('2C', { seq: 2 }))).status, 200);
    assert.equal((await pending()).length, 0);
  });
});
