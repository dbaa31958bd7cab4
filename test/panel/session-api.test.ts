import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { panelFeature } from '../../src/panel/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { buildTestPanel, CREW_PIN, panelPins, TECH_PIN } from './harness.js';

type Json = { session?: { role: string; expiresInMs: number } | null; roles?: Record<string, boolean>; error?: { code: string; message: string } };

async function login(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { res, json: (await res.json()) as Json, cookie: res.headers.get('set-cookie') ?? '' };
}

const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

function isErrorShape(j: unknown): boolean {
  const e = (j as { error?: { code?: unknown; message?: unknown } }).error;
  return typeof e?.code === 'string' && typeof e.message === 'string';
}

describe('panel sessions over HTTP', () => {
  let tc: TestController;
  let removeBuild: () => Promise<void>;

  before(async () => {
    const built = await buildTestPanel();
    removeBuild = built.remove;
    tc = await startTestController({ panel: await panelPins() }, [panelFeature({ webRoot: built.webRoot })]);
  });
  after(async () => {
    await tc.stop();
    await removeBuild();
  });

  it('says nobody is logged in, and which roles have a PIN', async () => {
    const j = (await (await fetch(`${tc.url}/api/v1/session`)).json()) as Json;
    assert.deepEqual(j, { session: null, roles: { crew: true, technician: true } });
  });

  it('refuses a wrong PIN without a cookie', async () => {
    const { res, json, cookie } = await login(tc.url, { pin: '0000' });
    assert.equal(res.status, 401);
    assert.equal(json.error?.code, 'WRONG_PIN');
    assert.equal(cookie, '');
  });

  it('gives the right PIN an HttpOnly SameSite=Strict cookie of 256 random bits, and the PIN decides the role', async () => {
    const crew = await login(tc.url, { pin: CREW_PIN });
    assert.equal(crew.res.status, 200);
    assert.equal(crew.json.session?.role, 'crew');
    assert.match(crew.cookie, /^purser_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/, 'no Secure flag over plain http');
    const me = (await (await fetch(`${tc.url}/api/v1/session`, { headers: { cookie: cookieOf(crew.cookie) } })).json()) as Json;
    assert.equal(me.session?.role, 'crew');
    assert.ok(me.session!.expiresInMs > 3600_000);

    assert.equal((await login(tc.url, { pin: TECH_PIN })).json.session?.role, 'technician');
    assert.equal((await login(tc.url, { pin: TECH_PIN, role: 'crew' })).res.status, 401, 'a named role takes only its own PIN');
  });

  it('a crew session cannot decide a held LRU move: 403 before the body is read; a technician session can ask', async () => {
    const crew = cookieOf((await login(tc.url, { pin: CREW_PIN })).cookie);
    const tech = cookieOf((await login(tc.url, { pin: TECH_PIN })).cookie);
    const decide = (cookie: string, decision: string) =>
      fetch(`${tc.url}/api/v1/moves/40A/${decision}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', origin: tc.url }, body: JSON.stringify({ serial: 'GP3-40B' }) });
    for (const decision of ['confirm', 'reject']) {
      const r = await decide(crew, decision);
      assert.equal(r.status, 403, decision);
      assert.equal(((await r.json()) as Json).error?.code, 'FORBIDDEN');
    }
    const t = await decide(tech, 'confirm');
    assert.notEqual(t.status, 403, 'a technician passes the role check (there is just no such claim)');
    assert.notEqual(t.status, 401);
  });

  it('lets a session act only with a JSON body from this origin (CSRF), and the bearer token without', async () => {
    const cookie = cookieOf((await login(tc.url, { pin: CREW_PIN })).cookie);
    const post = (headers: Record<string, string>, body?: string) => fetch(`${tc.url}/api/v1/alerts/call-1A-1/ack`, { method: 'POST', headers, ...(body !== undefined ? { body } : {}) });
    assert.equal((await post({})).status, 401);
    const form = await post({ cookie, 'content-type': 'text/plain' }, 'x');
    assert.equal(form.status, 415);
    assert.equal(((await form.json()) as Json).error?.code, 'JSON_REQUIRED');
    const cross = await post({ cookie, 'content-type': 'application/json', origin: 'http://evil.example' }, '{}');
    assert.equal(cross.status, 403);
    assert.equal(((await cross.json()) as Json).error?.code, 'CROSS_ORIGIN');
    const ok = await post({ cookie, 'content-type': 'application/json', origin: tc.url }, '{}');
    assert.equal(ok.status, 404, 'authorised; there is just no such alert');
    assert.equal((await post({ authorization: `Bearer ${tc.controller.config.api.token}` })).status, 404);
  });

  it('logs out: the cookie is cleared and no longer works', async () => {
    const cookie = cookieOf((await login(tc.url, { pin: CREW_PIN })).cookie);
    const out = await fetch(`${tc.url}/api/v1/session`, { method: 'DELETE', headers: { cookie } });
    assert.match(out.headers.get('set-cookie') ?? '', /^purser_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    const me = (await (await fetch(`${tc.url}/api/v1/session`, { headers: { cookie } })).json()) as Json;
    assert.equal(me.session, null);
  });

  it('answers any malformed login or alert request with a 4xx in the error shape, never a crash', async () => {
    const cookie = cookieOf((await login(tc.url, { pin: CREW_PIN })).cookie);
    const body = fc.oneof(fc.json(), fc.string({ maxLength: 200 }), fc.record({ pin: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null)), role: fc.oneof(fc.string(), fc.constant('crew')) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)));
    const type = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8');
    // Past 100 characters fastify's router answers 414 before any route runs (reported to the spine's owner).
    const alertId = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('call-1A-1', '..', '%00', 'a'.repeat(100)));
    await fc.assert(
      fc.asyncProperty(body, type, alertId, fc.constantFrom('ack', 'clear'), async (b, t, id, op) => {
        const r1 = await fetch(`${tc.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': t }, body: b });
        assert.ok(r1.status >= 400 && r1.status < 500, `login ${r1.status} for ${t} ${b}`);
        assert.ok(isErrorShape(await r1.json()));
        const r2 = await fetch(`${tc.url}/api/v1/alerts/${encodeURIComponent(id)}/${op}`, { method: 'POST', headers: { cookie, 'content-type': t }, body: b });
        assert.ok(r2.status >= 400 && r2.status < 500, `alert ${r2.status} for ${id} ${t} ${b}`);
        assert.ok(isErrorShape(await r2.json()));
      }),
      { numRuns: 150 },
    );
  });

  it('throttles wrong PINs: a few tries, then 429 with Retry-After, even for the right PIN', async () => {
    let last: Response | undefined;
    for (let i = 0; i < 6 && last?.status !== 429; i++) last = (await login(tc.url, { pin: '1357' })).res;
    assert.equal(last?.status, 429);
    assert.ok(Number(last?.headers.get('retry-after')) >= 1);
    const right = await login(tc.url, { pin: CREW_PIN });
    assert.equal(right.res.status, 429);
    assert.equal(right.json.error?.code, 'TOO_MANY_ATTEMPTS');
    assert.match(right.json.error?.message ?? '', /try again in \d+ s/);
  });
});

describe('panel sessions without PINs configured', () => {
  it('cannot log in (safe default) and says how to set a PIN', async () => {
    const built = await buildTestPanel();
    const tc = await startTestController({}, [panelFeature({ webRoot: built.webRoot })]);
    try {
      const j = (await (await fetch(`${tc.url}/api/v1/session`)).json()) as Json;
      assert.deepEqual(j.roles, { crew: false, technician: false });
      const { res, json } = await login(tc.url, { pin: '1234' });
      assert.equal(res.status, 403);
      assert.equal(json.error?.code, 'PIN_NOT_CONFIGURED');
      assert.match(json.error?.message ?? '', /purser pin-hash/);
    } finally {
      await tc.stop();
      await built.remove();
    }
  });

  it('refuses to start with a malformed PIN hash, naming the config key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-badpin-'));
    await writeFile(join(dir, 'keep'), '');
    await assert.rejects(startTestController({ panel: { crewPinHash: '1234' } }, [panelFeature({ webRoot: join(dir, 'panel') })], dir), /panel\.crewPinHash: is not of the form scrypt/);
    await rm(dir, { recursive: true, force: true });
  });
});
