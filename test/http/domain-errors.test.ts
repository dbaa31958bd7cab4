import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { DomainError, type DomainErrorKind } from '../../src/contract/errors.js';
import { installErrorHandlers, STATUS_OF } from '../../src/http/errors.js';

/** What domain code throws, answered over real HTTP by the shared handler: the status comes from STATUS_OF, the body is the documented shape. */
describe('domain errors over HTTP (STATUS_OF)', () => {
  let app: FastifyInstance;
  let url: string;
  const thrown = new Map<string, DomainError>();
  before(async () => {
    app = Fastify();
    installErrorHandlers(app);
    app.get<{ Params: { name: string } }>('/throw/:name', async (req) => {
      throw thrown.get(req.params.name)!;
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => app.close());

  const answer = async (e: DomainError) => {
    thrown.set(e.code, e);
    const r = await fetch(`${url}/throw/${e.code}`);
    return { status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.json() };
  };

  it('every kind has its status', async () => {
    const expected: Record<DomainErrorKind, number> = { invalid: 400, unauthenticated: 401, forbidden: 403, 'not-found': 404, conflict: 409, 'too-large': 413, 'too-many': 429, unavailable: 503 };
    assert.deepEqual(STATUS_OF, expected);
    for (const [kind, status] of Object.entries(expected) as [DomainErrorKind, number][]) {
      assert.equal((await answer(new DomainError(kind, `KIND_${kind.toUpperCase().replace('-', '_')}`, kind))).status, status, kind);
    }
  });

  it("the rollout service's refusals answer what docs/rollout.md documents, with the field and Retry-After when there is one", async () => {
    const cases: [DomainError, number][] = [
      [new DomainError('invalid', 'INVALID_TARGET', 'target.seats: no seat 99Z', 'target.seats'), 400],
      [new DomainError('not-found', 'UNKNOWN_IMAGE', 'no image sp-7 2.0.0 in the catalog: import it first', 'version'), 404],
      [new DomainError('not-found', 'UNKNOWN_ROLLOUT', 'no rollout 7', 'id'), 404],
      [new DomainError('conflict', 'IN_FLIGHT', 'refusing to flash seats in flight'), 409],
      [new DomainError('conflict', 'ROLLOUT_ACTIVE', 'rollout 3 is running'), 409],
      [new DomainError('conflict', 'ROLLOUT_STATE', 'cannot pause a completed rollout'), 409],
      [new DomainError('unavailable', 'FIRMWARE_UNAVAILABLE', 'the firmware catalog is not running', undefined, 5), 503],
    ];
    for (const [e, status] of cases) {
      const r = await answer(e);
      assert.equal(r.status, status, e.code);
      assert.deepEqual(r.body, { error: e.field ? { code: e.code, message: e.message, field: e.field } : { code: e.code, message: e.message } });
      assert.equal(r.retryAfter, e.retryAfterS === undefined ? null : String(e.retryAfterS));
    }
  });
});
