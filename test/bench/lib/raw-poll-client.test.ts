import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import { RawPollConnection } from '../../../bench/lib/raw-poll-client.js';
import { SIGNATURE_HEADER } from '../../../protocols/seat-poll/types.js';

test('polls over one kept-alive connection, with the body and signature a seat sends', async () => {
  const app = Fastify();
  const seen: { body: unknown; sig: unknown; port: number }[] = [];
  app.post('/seat/v1/poll', async (req) => {
    seen.push({ body: req.body, sig: req.headers[SIGNATURE_HEADER], port: req.socket.remotePort! });
    return { n: seen.length, text: 'é' };
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const c = new RawPollConnection(new URL('/seat/v1/poll', url));
  try {
    for (let i = 1; i <= 3; i++) {
      const a = await c.post(JSON.stringify({ seq: i }), 'ab'.repeat(32), 2000);
      assert.equal(a.status, 200);
      assert.deepEqual(JSON.parse(a.body), { n: i, text: 'é' });
      assert.ok(a.latencyMs >= 0);
    }
    assert.deepEqual(seen.map((s) => s.body), [{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
    assert.equal(seen[0]!.sig, 'ab'.repeat(32));
    assert.equal(new Set(seen.map((s) => s.port)).size, 1, 'one connection for every poll');
    const refused = await c.post('{', 'ab'.repeat(32), 2000);
    assert.equal(refused.status, 400, 'an error answer is an answer, not a failure');
  } finally {
    c.close();
    await app.close();
  }
});

/** A server that answers each request with `reply` (or not at all). */
async function rawServer(reply: string | null): Promise<{ url: URL; server: Server }> {
  const server = createServer((s) => s.on('data', () => reply !== null && s.write(reply)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: new URL(`http://127.0.0.1:${port}/seat/v1/poll`), server };
}

test('a silent server times out, an answer it cannot read is EPROTO, a closed connection is reopened', async () => {
  const silent = await rawServer(null);
  const c1 = new RawPollConnection(silent.url);
  await assert.rejects(c1.post('{}', 'x', 200), { code: 'ETIMEDOUT' });
  c1.close();
  silent.server.close();

  const chunked = await rawServer('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n');
  const c2 = new RawPollConnection(chunked.url);
  await assert.rejects(c2.post('{}', 'x', 2000), { code: 'EPROTO' });
  c2.close();
  chunked.server.close();

  const closing = await rawServer('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
  const c3 = new RawPollConnection(closing.url);
  for (let i = 0; i < 3; i++) assert.equal((await c3.post('{}', 'x', 2000)).body, '{}');
  c3.close();
  closing.server.close();
});
