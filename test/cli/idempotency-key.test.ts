// The CLI's acting subcommands send an Idempotency-Key, fresh per invocation and the same on
// their own retries. The controller here is a small HTTP server on loopback that loses the first
// answer of every action (the connection drops, as in a power cut after the action) and then
// answers 409 IN_FLIGHT once, so each invocation must try three times with one key.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { purser } from './run-cli.js';

const TOKEN = 'cli-idem-token';
const seen: { path: string; key: string | undefined }[] = [];
let server: Server;
let base = '';

const ANSWERS: Record<string, unknown> = {
  '/api/v1/safety/stop': { safety: { state: 'idle' } },
  '/api/v1/firmware/verify': { report: { checked: 2, quarantined: [], unchecked: [] } },
  '/api/v1/rollouts/7/pause': { rollout: { id: 7 } },
};

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      if (req.method !== 'POST' || !(path in ANSWERS)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"no"}}');
        return;
      }
      const key = req.headers['idempotency-key'] as string | undefined;
      seen.push({ path, key });
      const tries = seen.filter((s) => s.key === key).length;
      if (tries === 1) return req.socket.destroy();
      if (tries === 2) {
        res.writeHead(409, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":{"code":"IN_FLIGHT","message":"still answering"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' }).end(JSON.stringify(ANSWERS[path]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe('the CLI sends an Idempotency-Key with each action', () => {
  it('safety stop, firmware verify and a rollout action: one key per invocation, reused on its retries', async () => {
    const runs: [string[], string][] = [
      [['safety', 'stop', '--json'], '/api/v1/safety/stop'],
      [['safety', 'stop', '--json'], '/api/v1/safety/stop'],
      [['firmware', 'verify', '--json'], '/api/v1/firmware/verify'],
      [['firmware', 'pause', '7', '--json'], '/api/v1/rollouts/7/pause'],
    ];
    const keys: string[] = [];
    for (const [args, path] of runs) {
      const from = seen.length;
      const r = await purser([...args, '--controller', base], { PURSER_TOKEN: TOKEN });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      const tries = seen.slice(from);
      assert.equal(tries.length, 3, `${args.join(' ')}: lost, in flight, answered`);
      assert.ok(tries.every((t) => t.path === path));
      assert.match(tries[0]!.key ?? '', /^[0-9a-f-]{36}$/);
      assert.ok(tries.every((t) => t.key === tries[0]!.key), 'the same key on each retry');
      keys.push(tries[0]!.key!);
    }
    assert.equal(new Set(keys).size, keys.length, 'a fresh key per invocation');
  });
});
