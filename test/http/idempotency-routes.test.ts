// Which routes take an Idempotency-Key, asked of a controller with every feature over real HTTP:
// each acting POST answers a malformed key with 400 INVALID_IDEMPOTENCY_KEY before it acts (the
// hook runs before the handler), and the login, which does not act on the cabin, ignores it.
// docs/operations.md lists the same routes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultFeatures } from '../../src/app/features.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, type TestController } from '../helpers/controller.js';

/** Every POST that acts, with a body its schema accepts: docs/operations.md, "Retrying an action". */
const ACTING: [string, unknown][] = [
  ['/api/v1/commands', { target: { all: true }, cmd: 'seat.lock', args: { reason: 'x' } }],
  ['/api/v1/safety/play', {}],
  ['/api/v1/safety/stop', {}],
  ['/api/v1/channels/news/impose', { target: { seats: ['1A'] } }],
  ['/api/v1/channels/news/release', { target: { seats: ['1A'] } }],
  ['/api/v1/rollouts', {}],
  ['/api/v1/rollouts/1/pause', {}],
  ['/api/v1/rollouts/1/resume', {}],
  ['/api/v1/rollouts/1/cancel', {}],
  ['/api/v1/rollouts/1/retry', {}],
  ['/api/v1/firmware/verify', {}],
  ['/api/v1/alerts/system-x/ack', {}],
  ['/api/v1/alerts/system-x/clear', {}],
  ['/api/v1/monitors/fwd', { power: 'on' }],
  ['/api/v1/moves/1A/confirm', { serial: 'SN1' }],
  ['/api/v1/moves/1A/reject', { serial: 'SN1' }],
  ['/api/v1/tunnel', { onGround: true }],
];

let tc: TestController;
before(async () => {
  tc = await startTestController(
    {
      api: { token: TEST_TOKEN },
      commands: { port: randomPort(), group: '239.255.10.1' },
      multicast: { interface: '127.0.0.1', ttl: 1 },
      vlc: { path: '/nonexistent/cvlc' },
      channels: [{ id: 'news', name: 'News', source: '/srv/news.ts', group: '239.255.33.1:5000' }],
      safety: { source: '/srv/s.ts', group: '239.255.33.10:5000' },
      monitors: [{ id: 'fwd', path: '/nonexistent/ttyMON', monitorId: 3 }],
      tftp: { port: 0 },
    },
    defaultFeatures(),
  );
});
after(async () => {
  await tc?.stop();
});

async function post(path: string, body: unknown, key: string) {
  const res = await fetch(`${tc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}`, 'idempotency-key': key }, body: JSON.stringify(body) });
  return { status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code };
}

describe('the routes that take an Idempotency-Key', () => {
  it('every acting POST checks the key before it acts', async () => {
    for (const [path, body] of ACTING) assert.deepEqual(await post(path, body, 'has space'), { status: 400, code: 'INVALID_IDEMPOTENCY_KEY' }, path);
  });

  it('the login does not take one: it is not an action on the cabin', async () => {
    const r = await post('/api/v1/session', { pin: '0000' }, 'has space');
    assert.notEqual(r.code, 'INVALID_IDEMPOTENCY_KEY');
  });
});
