import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { validateConfig } from '../../src/app/config.js';
import { Controller, type Feature } from '../../src/app/controller.js';
import { createLogger } from '../../src/core/log.js';
import { HealthCell } from '../../src/core/service.js';
import { TEST_SECRET } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';

/** A feature whose setup takes `ms` (a slow disk check), with a route of its own. */
function slowFeature(ms: number): Feature {
  return {
    name: 'slow-check',
    async setup() {
      await new Promise((r) => setTimeout(r, ms));
      return { routes: [async (app) => void app.get('/api/v1/slow', async () => ({ ok: true }))] };
    },
  };
}

describe('health while starting', () => {
  it('answers 503 starting with what is being checked, seats get 503 + Retry-After, then the real routes on the same port', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-early-'));
    const features = [slowFeature(2000)];
    const { config, layout } = validateConfig({ stateDir: dir, http: { host: '127.0.0.1', port: 0 }, cabin: { secret: TEST_SECRET } }, { features });
    let earlyUrl = '';
    let listened!: () => void;
    const listening = new Promise<void>((resolve) => (listened = resolve));
    const controller = new Controller(config, layout, createLogger(), features, { onEarlyListen: (url) => ((earlyUrl = url), listened()) });
    const started = controller.start();
    try {
      await listening;
      const h = await fetch(`${earlyUrl}/api/v1/health`);
      assert.equal(h.status, 503);
      const body = (await h.json()) as { state: string; checking: string[] };
      assert.equal(body.state, 'starting');
      assert.ok(body.checking.includes('slow-check'), JSON.stringify(body));
      assert.ok(body.checking.includes('http'));

      const poll = await postPoll(earlyUrl, pollBody('1A'));
      assert.equal(poll.status, 503);
      assert.equal(poll.body.error?.code, 'STARTING');
      const raw = await fetch(`${earlyUrl}/seat/v1/poll`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      assert.equal(raw.status, 503);
      assert.equal(raw.headers.get('retry-after'), '2');
      // A feature's own route is not half-served either.
      assert.equal((await fetch(`${earlyUrl}/api/v1/slow`)).status, 503);

      await started;
      assert.equal(controller.url, earlyUrl, 'the real server listens on the port the starting listener held');
      const after = await fetch(`${controller.url}/api/v1/health`);
      const ab = (await after.json()) as { state: string; clock?: { state: string } };
      assert.equal(ab.state, 'running');
      assert.equal(ab.clock?.state, 'ok');
      assert.equal((await postPoll(controller.url, pollBody('1A'))).status, 200);
      assert.equal((await fetch(`${controller.url}/api/v1/slow`)).status, 200);
      assert.deepEqual(controller.checking, []);
    } finally {
      await started.catch(() => undefined);
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a start that fails frees the port and health is no longer answered', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-early-fail-'));
    const broken: Feature = { name: 'broken', essential: true, setup: async () => ({ services: [{ name: 'broken', health$: new HealthCell().health$, start: async () => { throw new Error('disk check failed'); }, stop: async () => undefined }] }) };
    const features = [broken];
    const { config, layout } = validateConfig({ stateDir: dir, http: { host: '127.0.0.1', port: 0 }, cabin: { secret: TEST_SECRET } }, { features });
    let earlyUrl = '';
    const controller = new Controller(config, layout, createLogger(), features, { onEarlyListen: (url) => (earlyUrl = url) });
    try {
      await assert.rejects(controller.start(), /disk check failed/);
      await assert.rejects(fetch(`${earlyUrl}/api/v1/health`), 'nothing listens after a failed start');
    } finally {
      await controller.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
