// The shared Idempotency-Key hooks (src/http/idempotency.ts) on a small fastify app over a real
// SQLite file: replay, reuse, in flight, in doubt (a second "process" on the same file), 5xx not
// stored, a route without the option untouched, pruning after a day, and the header fuzzed.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { TOKEN_PRINCIPAL } from '../../src/auth/principal.js';
import { createLogger } from '../../src/core/log.js';
import { installErrorHandlers, ApiError } from '../../src/http/errors.js';
import { installIdempotency, type IdempotencyOutcome } from '../../src/http/idempotency.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { IdempotencyStore } from '../../src/store/idempotency-store.js';
import { CORE_MIGRATIONS } from '../../src/store/migrations.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function dbFile(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'purser-idem-'));
  dirs.push(d);
  return join(d, 'purser.db');
}

interface App {
  app: FastifyInstance;
  acted: Record<string, number>;
  outcomes: IdempotencyOutcome[];
  /** Lets the next /slow request finish. */
  release(): void;
  db: Db;
}

/** One "process": its own fastify, its own in-flight set, the shared database file. */
async function makeApp(path: string, clock?: { mono(): number; wall(): number }): Promise<App> {
  const db = openDatabase(path, CORE_MIGRATIONS);
  const app = Fastify();
  installErrorHandlers(app);
  const outcomes: IdempotencyOutcome[] = [];
  installIdempotency(app, new IdempotencyStore(db, clock), { log: createLogger('silent'), count: (o) => outcomes.push(o) });
  const acted: Record<string, number> = {};
  const act = (name: string) => (acted[name] = (acted[name] ?? 0) + 1);
  let gate: () => void = () => undefined;
  // Who is asking, as requireRole would say: the header x-who names a principal, else the token.
  app.addHook('onRequest', async (req) => {
    req.principal = req.headers['x-who'] ? { role: 'crew', name: String(req.headers['x-who']), via: 'token' } : TOKEN_PRINCIPAL;
  });
  await app.register(async (a) => {
    a.post<{ Params: { id: string } }>('/act/:id', { config: { idempotent: true } }, async (req, reply) => {
      reply.code(201);
      return { id: req.params.id, n: act('act'), body: req.body ?? null };
    });
    a.post('/slow', { config: { idempotent: true } }, async () => {
      await new Promise<void>((r) => (gate = r));
      return { n: act('slow') };
    });
    a.post('/fail', { config: { idempotent: true } }, async () => {
      act('fail');
      throw new Error('the disk is on fire');
    });
    a.post('/busy', { config: { idempotent: true } }, async () => {
      act('busy');
      throw new ApiError(503, 'VLC_DOWN', 'vlc is down');
    });
    a.post('/gone', { config: { idempotent: true } }, async () => {
      act('gone');
      throw new ApiError(404, 'UNKNOWN_ALERT', 'no open alert');
    });
    a.post('/plain', async () => ({ n: act('plain') }));
    // What another connection (another process, the next start) sees of the key while the route acts.
    a.post('/peek', { config: { idempotent: true } }, async (req) => {
      const other = new Database(path, { readonly: true });
      try {
        return other.prepare('SELECT state FROM http_idempotency WHERE key = ?').get(req.headers['idempotency-key']) ?? null;
      } finally {
        other.close();
      }
    });
  });
  await app.ready();
  return { app, acted, outcomes, release: () => gate(), db };
}

const post = (app: FastifyInstance, url: string, key: string | undefined, body: unknown = { a: 1 }, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(key !== undefined ? { 'idempotency-key': key } : {}), ...headers }, payload: JSON.stringify(body) });

const codeOf = (r: { json(): unknown }) => (r.json() as { error?: { code: string } }).error?.code;

describe('Idempotency-Key on acting routes', () => {
  it('the same key and request replays the first answer without acting; no key acts every time', async () => {
    const a = await makeApp(await dbFile());
    const first = await post(a.app, '/act/x', 'k-1', { b: 2, a: 1 });
    assert.equal(first.statusCode, 201);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const again = await post(a.app, '/act/x', 'k-1', { a: 1, b: 2 });
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.match(String(again.headers['content-type']), /^application\/json/);
    assert.deepEqual(again.json(), first.json(), 'the first answer, byte for byte');
    assert.equal(a.acted.act, 1, 'acted once');
    await post(a.app, '/act/x', undefined);
    await post(a.app, '/act/x', undefined);
    assert.equal(a.acted.act, 3, 'without a key every POST acts');
    assert.deepEqual(a.outcomes, ['stored', 'replayed']);
    await a.app.close();
    a.db.close();
  });

  it('the key with another body, params or route is 422 IDEMPOTENCY_KEY_REUSED; another principal has its own keys', async () => {
    const a = await makeApp(await dbFile());
    assert.equal((await post(a.app, '/act/x', 'k-2')).statusCode, 201);
    for (const [url, body] of [['/act/x', { a: 2 }], ['/act/y', { a: 1 }], ['/slow', { a: 1 }]] as const) {
      const r = await post(a.app, url, 'k-2', body);
      assert.deepEqual([r.statusCode, codeOf(r)], [422, 'IDEMPOTENCY_KEY_REUSED'], url);
      assert.match((r.json() as { error: { message: string } }).error.message, /POST \/act\/:id/);
    }
    const other = await post(a.app, '/act/x', 'k-2', { a: 1 }, { 'x-who': 'panel:crew' });
    assert.equal(other.statusCode, 201);
    assert.equal(other.headers['idempotent-replayed'], undefined, 'keys are per principal');
    assert.equal(a.acted.act, 2);
    await a.app.close();
    a.db.close();
  });

  it('a retry while the first is still being answered is 409 IN_FLIGHT with Retry-After; afterwards it replays', async () => {
    const a = await makeApp(await dbFile());
    const first = post(a.app, '/slow', 'k-3');
    await new Promise((r) => setTimeout(r, 50));
    const during = await post(a.app, '/slow', 'k-3');
    assert.deepEqual([during.statusCode, codeOf(during)], [409, 'IN_FLIGHT']);
    assert.equal(during.headers['retry-after'], '1');
    a.release();
    assert.equal((await first).statusCode, 200);
    const later = await post(a.app, '/slow', 'k-3');
    assert.deepEqual([later.statusCode, later.headers['idempotent-replayed'], later.json()], [200, 'true', { n: 1 }]);
    assert.equal(a.acted.slow, 1);
    await a.app.close();
    a.db.close();
  });

  it('a key claimed by a process that never answered (a cut mid-action) is 409 IN_DOUBT in the next, telling the operator to check', async () => {
    const path = await dbFile();
    const cut = await makeApp(path);
    void post(cut.app, '/slow', 'k-4'); // claimed, never answered: the process "dies" here
    await new Promise((r) => setTimeout(r, 50));
    const next = await makeApp(path);
    const r = await post(next.app, '/slow', 'k-4');
    assert.deepEqual([r.statusCode, codeOf(r)], [409, 'IN_DOUBT']);
    assert.match((r.json() as { error: { message: string } }).error.message, /may or may not have taken effect\. Check the cabin's state before acting again, then act with a new key/);
    assert.equal(next.acted.slow, undefined, 'the next process did not act');
    assert.equal((await post(next.app, '/slow', 'k-4')).statusCode, 409, 'still in doubt: never guessed');
    cut.release();
    next.release();
    await cut.app.close();
    await next.app.close();
    cut.db.close();
    next.db.close();
  });

  it('a 5xx is not stored (a retry acts); the action\'s own 4xx is stored and replayed', async () => {
    const a = await makeApp(await dbFile());
    for (const url of ['/fail', '/busy']) {
      const r1 = await post(a.app, url, `k-5${url}`);
      const r2 = await post(a.app, url, `k-5${url}`);
      assert.ok(r1.statusCode >= 500 && r2.statusCode === r1.statusCode, url);
      assert.equal(r2.headers['idempotent-replayed'], undefined);
    }
    assert.deepEqual([a.acted.fail, a.acted.busy], [2, 2], 'each retry after a failure acted again');
    const g1 = await post(a.app, '/gone', 'k-6');
    const g2 = await post(a.app, '/gone', 'k-6');
    assert.deepEqual([g1.statusCode, g2.statusCode, codeOf(g2), g2.headers['idempotent-replayed']], [404, 404, 'UNKNOWN_ALERT', 'true']);
    assert.equal(a.acted.gone, 1);
    await a.app.close();
    a.db.close();
  });

  it('the key is committed before the route acts, and its answer before the client has it', async () => {
    const path = await dbFile();
    const a = await makeApp(path);
    const r = await post(a.app, '/peek', 'k-11');
    assert.deepEqual(r.json(), { state: 'pending' }, 'committed, seen by another connection, while acting');
    const other = new Database(path, { readonly: true });
    assert.deepEqual(other.prepare('SELECT state, status, body FROM http_idempotency WHERE key = ?').get('k-11'), { state: 'done', status: 200, body: r.body });
    other.close();
    await a.app.close();
    a.db.close();
  });

  it('a route without the option ignores the header, even a malformed one', async () => {
    const a = await makeApp(await dbFile());
    for (const key of ['k-7', 'k-7', 'has space']) {
      const r = await post(a.app, '/plain', key);
      assert.equal(r.statusCode, 200);
      assert.equal(r.headers['idempotent-replayed'], undefined);
    }
    assert.equal(a.acted.plain, 3);
    assert.equal((a.db.prepare('SELECT count(*) AS n FROM http_idempotency').get() as { n: number }).n, 0);
    await a.app.close();
    a.db.close();
  });

  it('a malformed key is 400 INVALID_IDEMPOTENCY_KEY and nothing acts', async () => {
    const a = await makeApp(await dbFile());
    for (const key of ['', 'has space', 'x'.repeat(129), 'é']) {
      const r = await post(a.app, '/act/x', key);
      assert.deepEqual([r.statusCode, codeOf(r)], [400, 'INVALID_IDEMPOTENCY_KEY'], JSON.stringify(key));
    }
    // Two headers reach the route joined by Node as "a, b": a space, so malformed (test/http/idempotency-restart.test.ts sends two).
    assert.equal(a.acted.act, undefined);
    assert.equal((await post(a.app, '/act/x', 'x'.repeat(128))).statusCode, 201);
    await a.app.close();
    a.db.close();
  });

  it('keys are forgotten after a day: then the key acts again', async () => {
    let wall = Date.parse('2026-12-03T10:00:00Z');
    let mono = 0;
    const clock = { wall: () => wall, mono: () => mono };
    const a = await makeApp(await dbFile(), clock);
    assert.equal((await post(a.app, '/act/x', 'k-8')).statusCode, 201);
    wall += 86_400_000 - 1000;
    assert.equal((await post(a.app, '/act/x', 'k-8')).headers['idempotent-replayed'], 'true', 'still remembered within the day');
    wall += 2000;
    mono += 3_600_000;
    const r = await post(a.app, '/act/x', 'k-8', { other: true });
    assert.equal(r.statusCode, 201, 'after a day the key is free, even for another request');
    assert.equal(a.acted.act, 2);
    await post(a.app, '/act/x', 'k-9');
    wall += 86_400_000 + 1;
    mono += 3_600_000;
    await post(a.app, '/act/x', 'k-10');
    const keys = (a.db.prepare('SELECT key FROM http_idempotency ORDER BY key').all() as { key: string }[]).map((x) => x.key);
    assert.deepEqual(keys, ['k-10'], 'the old rows were pruned');
    await a.app.close();
    a.db.close();
  });

  it('fuzz: any Idempotency-Key header is a clear answer, never a 500', async () => {
    const a = await makeApp(await dbFile());
    const header = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.stringMatching(/^[\x21-\x7e]{1,130}$/),
      fc.constantFrom('k-1', 'k-1 ', '\tk', 'k\u0000', '\u00ff'),
    );
    await fc.assert(
      fc.asyncProperty(header, fc.constantFrom('/act/x', '/act/y'), fc.jsonValue({ maxDepth: 2 }), async (key, url, body) => {
        let r;
        try {
          r = await post(a.app, url, key, body);
        } catch {
          return; // a value no HTTP client could send (light-my-request refuses it)
        }
        assert.ok(r.statusCode < 500, `${r.statusCode} ${r.body}`);
        assert.ok([201, 400, 415, 422].includes(r.statusCode), `${r.statusCode} ${r.body}`);
      }),
      { numRuns: 300 },
    );
    await a.app.close();
    a.db.close();
  });
});
