import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { pollBody, postPoll } from '../helpers/poll.js';
import { startTestController, type TestController } from '../helpers/controller.js';

// Names that are Object.prototype members. All but __proto__ match the contract's input-name
// pattern, so a seat may send them; __proto__ must be refused as a shape error, never a 500.
const HOSTILE = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf', 'call', 'door'];
const PATTERN = /^[a-z][A-Za-z0-9_]{0,31}$/;

describe('seat poll with input names from Object.prototype (fast-check, real HTTP)', () => {
  let tc: TestController;
  before(async () => {
    tc = await startTestController();
  });
  after(() => tc.stop());

  it('never answers 500; accepted polls leave exactly the reported inputs', async () => {
    const report = fc.record({ on: fc.boolean(), sinceMs: fc.nat({ max: 100_000 }) });
    const names = fc.uniqueArray(fc.tuple(fc.constantFrom(...HOSTILE), report), { selector: ([k]) => k, maxLength: HOSTILE.length });
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(names, fc.constantFrom('12A', '12B'), async (entries, seat) => {
        // Built as text: an object literal would turn "__proto__" into a prototype, not a key.
        const withCall = entries.some(([k]) => k === 'call') ? entries : [...entries, ['call', { on: false, sinceMs: 1 }] as const];
        const inputsJson = `{${withCall.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
        const base = JSON.stringify(pollBody(seat, { seq: ++seq }));
        const raw = base.replace(/"inputs":\{.*?\}\}/, `"inputs":${inputsJson}`);
        assert.ok(raw.includes(inputsJson) && raw !== base, 'inputs replaced');
        const res = await postPoll(tc.url, raw, { serial: `GP3-${seat}` });
        const allLegal = withCall.every(([k]) => PATTERN.test(k));
        if (!allLegal) {
          assert.equal(res.status, 400, JSON.stringify(res.body));
          assert.equal(res.body.error?.code, 'INVALID_BODY');
          return;
        }
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const snap = tc.controller.ctx.registry.get(seat)!;
        assert.deepEqual(Object.keys(snap.inputs).sort(), withCall.map(([k]) => k).sort());
        for (const [k, v] of withCall) assert.equal(Object.getOwnPropertyDescriptor(snap.inputs, k)?.value.on, v.on, k);
      }),
      { numRuns: 400 },
    );
    const health = await fetch(`${tc.url}/api/v1/health`);
    assert.equal(health.status, 200);
    // The seats API lists them without tripping either.
    const list = await fetch(`${tc.url}/api/v1/seats/12A`);
    assert.equal(list.status, 200);
  });
});
