import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { commandRequestSchema } from '../../../protocols/seat-command/schema.js';
import { validateCommandRequest } from '../../../protocols/seat-command/validate.js';
import { bodyArb, EXAMPLE_ARGS } from './fixtures.js';

describe('commandRequestSchema under fastify', () => {
  let app: FastifyInstance;

  before(async () => {
    app = fastify();
    app.post('/commands', { schema: { body: commandRequestSchema } }, async (req) => req.body);
    await app.ready();
  });
  after(() => app.close());

  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/commands', payload: payload as object });

  it('passes every request the validator accepts, unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, async ({ target, cmd, args }) => {
        const req = { target, cmd, args };
        assert.equal(validateCommandRequest(req).ok, true);
        const res = await post(req);
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), req);
      }),
      { numRuns: 300 },
    );
  });

  it('answers 400 naming the field for malformed requests', async () => {
    const cases: [unknown, RegExp][] = [
      [{ target: { all: true }, cmd: 'volume.cap', args: { max: 11 } }, /args\/max/],
      [{ target: { all: true }, cmd: 'pa.start', args: {} }, /cmd/],
      [{ target: { zones: [] }, cmd: 'seat.reboot', args: {} }, /target\/zones/],
      [{ target: { all: true, seats: ['1A'] }, cmd: 'seat.reboot', args: {} }, /target/],
      [{ target: { everyone: true }, cmd: 'seat.reboot', args: {} }, /target must have required property 'all'/],
      [{ target: { all: true }, cmd: 'firmware.update', args: { ...EXAMPLE_ARGS['firmware.update'], sha256: 'x' } }, /args\/sha256/],
      [{ target: { all: true }, cmd: 'seat.lock', args: {} }, /args must have required property 'reason'/],
    ];
    for (const [payload, field] of cases) {
      const res = await post(payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.match(res.json().message, field);
    }
  });
});
