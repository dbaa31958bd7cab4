import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { panelFeature } from '../../src/panel/feature.js';
import { startTestController } from '../helpers/controller.js';

describe('serving the panel', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-static-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('builds a missing page on start and serves it with a strict CSP, assets from this controller only', async () => {
    const webRoot = join(dir, 'panel');
    const tc = await startTestController({}, [panelFeature({ webRoot })]);
    try {
      assert.ok(existsSync(join(webRoot, 'app.js')), 'built on start');
      const page = await fetch(`${tc.url}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'/);
      const html = await page.text();
      assert.doesNotMatch(html, /https?:\/\//, 'no external resources');
      const js = await fetch(`${tc.url}/panel/app.js`);
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
      assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
      assert.doesNotMatch(await js.text(), /https?:\/\/(?!www\.w3\.org)/, 'the bundle fetches nothing from elsewhere');
      assert.equal((await fetch(`${tc.url}/panel/app.css`)).status, 200);
      assert.deepEqual(await (await fetch(`${tc.url}/api/v1/panel`)).json(), { cabinPaGroup: '239.255.20.1:5004' });
    } finally {
      await tc.stop();
    }
  });

  it('answers a clear 503 when the page cannot be built, while the API works on', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, '');
    const tc = await startTestController({}, [panelFeature({ webRoot: join(blocker, 'panel') })]);
    try {
      const res = await fetch(`${tc.url}/`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'PANEL_NOT_BUILT');
      assert.match(body.error.message, /node scripts\/build-panel\.mjs/);
      assert.equal((await fetch(`${tc.url}/panel/app.js`)).status, 503);
      assert.equal((await fetch(`${tc.url}/api/v1/alerts`)).status, 200);
    } finally {
      await tc.stop();
    }
  });
});
