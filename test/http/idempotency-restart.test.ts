// Idempotency-Keys through a real controller over real HTTP on loopback, across restarts: a
// channel imposed once stays one command when the answer was lost and the client retries after
// the restart; a key whose answer a cut never let be recorded is IN_DOUBT; a 5xx is retried.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { channelsFeature } from '../../src/channels/feature.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, type TestController } from '../helpers/controller.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function start(dir: string, port: number): Promise<TestController> {
  return startTestController(
    {
      api: { token: TEST_TOKEN },
      commands: { port, group: '239.255.10.1' },
      multicast: { interface: '127.0.0.1', ttl: 1 },
      // No VLC here: the channels' commands still go to seats, and the safety video answers 503 VLC_DOWN.
      vlc: { path: '/nonexistent/cvlc' },
      channels: [{ id: 'news', name: 'News', source: '/srv/news.ts', group: '239.255.33.1:5000' }],
      safety: { source: '/srv/s.ts', group: '239.255.33.10:5000' },
    },
    [commandsFeature(), channelsFeature()],
    dir,
  );
}

interface Answer {
  status: number;
  replayed: string | null;
  body: { command?: { seq: number; cmd: string }; error?: { code: string; message: string } };
}

async function post(url: string, path: string, body: unknown, key?: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` };
  if (key !== undefined) headers['idempotency-key'] = key;
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as Answer['body'] };
}

async function commandsIn(url: string): Promise<{ seq: number; cmd: string }[]> {
  const res = await fetch(`${url}/api/v1/commands?limit=500`);
  return ((await res.json()) as { commands: { seq: number; cmd: string }[] }).commands;
}

/** Two Idempotency-Key header lines, as a confused proxy might send: node:http's client sends an array as two. */
function postTwoKeys(url: string, path: string): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}`, 'idempotency-key': ['k-a', 'k-b'] } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, code: (JSON.parse(text) as { error: { code: string } }).error.code }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ target: { seats: ['1A'] } }));
  });
}

describe('Idempotency-Key through a real controller and its restarts', () => {
  it('a retry after the restart replays the first answer; a cut before the answer was recorded is IN_DOUBT; a 5xx acts again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-idem-restart-'));
    dirs.push(dir);
    const port = randomPort();
    const impose = { target: { seats: ['1A'] }, ttlMs: 600_000 };
    let tc = await start(dir, port);
    let seq: number;
    try {
      const first = await post(tc.url, '/api/v1/channels/news/impose', impose, 'click-impose-1');
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.replayed, null);
      seq = first.body.command!.seq;
      const released = await post(tc.url, '/api/v1/channels/news/release', { target: { seats: ['1A'] } }, 'click-release-1');
      assert.equal(released.status, 201);
      // The safety video with VLC down: 503, not stored, so the same key acts (and fails) again rather than replaying.
      for (let i = 0; i < 2; i++) {
        const play = await post(tc.url, '/api/v1/safety/play', {}, 'click-safety-1');
        assert.deepEqual([play.status, play.body.error?.code, play.replayed], [503, 'VLC_DOWN', null], `try ${i + 1}`);
      }
      assert.deepEqual(await postTwoKeys(tc.url, '/api/v1/channels/news/release'), { status: 400, code: 'INVALID_IDEMPOTENCY_KEY' });
    } finally {
      await tc.stop({ keepState: true });
    }
    // What a cut between the release's command and the record of its answer leaves on disk: the claim alone.
    const db = new Database(join(dir, 'purser.db'));
    db.prepare("UPDATE http_idempotency SET state = 'pending', status = NULL, body = NULL WHERE key = 'click-release-1'").run();
    db.close();

    tc = await start(dir, port);
    try {
      const before = await commandsIn(tc.url);
      const again = await post(tc.url, '/api/v1/channels/news/impose', impose, 'click-impose-1');
      assert.equal(again.status, 201);
      assert.equal(again.replayed, 'true');
      assert.equal(again.body.command!.seq, seq, 'the first command, not a second');
      assert.equal(again.body.command!.cmd, 'channel.tune');
      assert.deepEqual(await commandsIn(tc.url), before, 'nothing was issued by the retry');
      assert.equal(before.filter((c) => c.cmd === 'channel.tune').length, 1);

      const reused = await post(tc.url, '/api/v1/channels/news/impose', { ...impose, target: { seats: ['2A'] } }, 'click-impose-1');
      assert.deepEqual([reused.status, reused.body.error?.code], [422, 'IDEMPOTENCY_KEY_REUSED']);

      const doubt = await post(tc.url, '/api/v1/channels/news/release', { target: { seats: ['1A'] } }, 'click-release-1');
      assert.deepEqual([doubt.status, doubt.body.error?.code], [409, 'IN_DOUBT']);
      assert.match(doubt.body.error!.message, /Check the cabin's state before acting again/);
      assert.deepEqual(await commandsIn(tc.url), before, 'in doubt: nothing issued');
      const fresh = await post(tc.url, '/api/v1/channels/news/release', { target: { seats: ['1A'] } }, 'click-release-2');
      assert.equal(fresh.status, 201, 'a new key acts');
      assert.match(await (await fetch(`${tc.url}/metrics`)).text(), /purser_idempotency_total\{outcome="in_doubt"\} 1/);
    } finally {
      await tc.stop();
    }
  });
});
