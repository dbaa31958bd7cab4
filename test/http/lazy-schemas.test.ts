import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { defaultFeatures } from '../../src/app/features.js';
import { LazySchemas } from '../../src/http/lazy-schemas.js';
import { startTestController } from '../helpers/controller.js';

function appWith(schemas: LazySchemas) {
  const app = Fastify({ schemaController: schemas.controller, ajv: { customOptions: { removeAdditional: true, coerceTypes: 'array', allErrors: false } } });
  app.post('/echo', {
    schema: {
      body: { type: 'object', required: ['n'], properties: { n: { type: 'integer', minimum: 1 } } },
      response: { 200: { type: 'object', properties: { n: { type: 'integer' } } } },
    },
  }, async (req) => ({ ...(req.body as object), secret: 'not in the response schema' }));
  return app;
}

describe('route schemas compiled on first use (LazySchemas)', () => {
  it('ready() compiles nothing; a request compiles its own, validates and serializes as fastify would', async () => {
    const schemas = new LazySchemas();
    const app = appWith(schemas);
    await app.ready();
    assert.equal(schemas.compiled, 0);
    assert.ok(schemas.pending >= 2, `body and response are pending: ${schemas.pending}`);
    const bad = await app.inject({ method: 'POST', url: '/echo', payload: { n: 0 } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /body\/n must be >= 1/);
    const good = await app.inject({ method: 'POST', url: '/echo', payload: { n: 2 } });
    assert.equal(good.statusCode, 200);
    assert.deepEqual(good.json(), { n: 2 }, 'the response schema dropped what it does not name');
    assert.equal(schemas.pending, 0);
    await app.close();
  });

  it('warm() compiles what is left and reports a schema that does not compile; its route then fails, the others do not', async () => {
    const schemas = new LazySchemas();
    const app = appWith(schemas);
    // POST: a GET would have a HEAD route beside it, with a validator of its own.
    app.post('/broken', { schema: { querystring: { type: 'object', properties: { q: { type: 'no-such-type' } } } } }, async () => 'never');
    await app.ready();
    const errors = await schemas.warm();
    assert.equal(errors.length, 1, errors.map((e) => e.message).join('; '));
    assert.match(errors[0]!.message, /no-such-type|type must be/);
    assert.equal(schemas.pending, 0);
    assert.equal((await app.inject({ method: 'POST', url: '/broken' })).statusCode, 500);
    assert.equal((await app.inject({ method: 'POST', url: '/echo', payload: { n: 1 } })).statusCode, 200);
    await app.close();
  });

  it("every schema of the shipped controller's routes compiles in the background after the start", async () => {
    const c = await startTestController({}, defaultFeatures());
    try {
      assert.deepEqual((await c.controller.schemasCompiled).map((e) => e.message), []);
    } finally {
      await c.stop();
    }
  });
});
