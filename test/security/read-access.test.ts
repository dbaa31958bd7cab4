import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { panelFeature } from '../../src/panel/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { CREW_PIN, panelPins } from '../panel/harness.js';
import { isErrorShape } from './raw.js';

/** The first bytes of the live stream (or the error) over HTTPS, trusting `ca`. */
function sseHead(url: string, ca: string, headers: Record<string, string> = {}): Promise<{ status: number; first: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}/api/v1/events`, { ca, headers }, (res) => {
      res.once('data', (d: Buffer) => {
        resolve({ status: res.statusCode!, first: d.toString() });
        req.destroy();
      });
    });
    req.on('error', (e) => (e.message.includes('aborted') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.end();
  });
}

describe('reading cabin state needs a session (readAccess: session, over HTTPS)', () => {
  let tc: TestController;
  let ca: string;
  let webRoot: string;
  before(async () => {
    webRoot = await mkdtemp(join(tmpdir(), 'purser-web-'));
    tc = await startTestController({ http: { host: '127.0.0.1', port: 0, tls: { enabled: true, port: 0 }, readAccess: 'session' }, panel: await panelPins() }, [panelFeature({ webRoot })]);
    ca = await readFile(join(tc.stateDir, 'tls', 'cert.pem'), 'utf8');
  });
  after(async () => {
    await tc.stop();
    await rm(webRoot, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: unknown; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = httpsRequest(`${tc.url}${path}`, { ca, headers }, (res) => {
        let t = '';
        res.on('data', (d) => (t += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: t ? JSON.parse(t) : undefined, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });

  it('401 UNAUTHORIZED for the live stream, seats, entities, inventory and moves without a session or the token', async () => {
    const sse = await sseHead(tc.url, ca);
    assert.equal(sse.status, 401);
    assert.ok(isErrorShape(JSON.parse(sse.first), 'UNAUTHORIZED'));
    for (const p of ['/api/v1/seats', '/api/v1/seats/1A', '/api/v1/entities', '/api/v1/inventory', '/api/v1/moves']) {
      const r = await get(p);
      assert.equal(r.status, 401, p);
      assert.ok(isErrorShape(r.body, 'UNAUTHORIZED'), p);
    }
  });

  it('what the panel needs before its login stays readable: session, panel settings, layout, health', async () => {
    for (const p of ['/api/v1/session', '/api/v1/panel', '/api/v1/layout', '/api/v1/health']) assert.equal((await get(p)).status, 200, p);
  });

  it('a crew session (the cookie EventSource sends by itself) opens the stream; the cookie is Secure over HTTPS', async () => {
    const login = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
      const req = httpsRequest(`${tc.url}/api/v1/session`, { ca, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, cookie: String(res.headers['set-cookie'] ?? '') });
      });
      req.on('error', reject);
      req.end(JSON.stringify({ pin: CREW_PIN }));
    });
    assert.equal(login.status, 200);
    assert.match(login.cookie, /; Secure/);
    const cookie = login.cookie.split(';')[0]!;
    const sse = await sseHead(tc.url, ca, { cookie });
    assert.equal(sse.status, 200);
    assert.match(sse.first, /purser live events/);
    assert.equal((await get('/api/v1/seats', { cookie })).status, 200);
  });

  it('the API token opens it too', async () => {
    const token = tc.controller.config.api.token!;
    assert.equal((await sseHead(tc.url, ca, { authorization: `Bearer ${token}` })).status, 200);
    assert.equal((await get('/api/v1/seats', { authorization: 'Bearer not-the-token-at-all' })).status, 401);
  });
});

describe('readAccess defaults', () => {
  it('open on a loopback listener (this machine only)', async () => {
    const tc = await startTestController();
    try {
      assert.equal((await fetch(`${tc.url}/api/v1/seats`)).status, 200);
    } finally {
      await tc.stop();
    }
  });
});
