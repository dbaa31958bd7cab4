import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestController, type TestController } from '../helpers/controller.js';
import { pollBody } from '../helpers/poll.js';
import { deriveLruKey, signBody } from '../../protocols/seat-poll/hmac.js';
import { TEST_SECRET } from '../helpers/controller.js';
import { isErrorShape, openSocket, portOf, rawExchange } from '../security/raw.js';

describe('errors the HTTP layer raises before any route, in the documented shape', () => {
  let tc: TestController;
  let port: number;
  before(async () => {
    // Header timeout at its floor (1 s) so the slowloris test is quick; the default is 10 s.
    tc = await startTestController({ http: { host: '127.0.0.1', port: 0, headersTimeoutMs: 1000, requestTimeoutMs: 2000 } });
    port = portOf(tc.url);
  });
  after(() => tc.stop());

  it('431 HEADERS_TOO_LARGE for headers over 16 KiB, and the connection is closed', async () => {
    const a = await rawExchange(port, `GET /api/v1/health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(a.status, 431, a.text.slice(0, 200));
    assert.ok(isErrorShape(a.body, 'HEADERS_TOO_LARGE'), a.text);
    assert.equal(a.headers['content-type'], 'application/json');
    assert.ok(a.closed);
  });

  it('400 BAD_REQUEST for a request line that is not HTTP, and for a broken header', async () => {
    for (const bytes of ['HELLO THERE\r\n\r\n', 'GET / HTTP/1.1\r\nno colon here\r\n\r\n', 'GET /\x00 HTTP/1.1\r\n\r\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03']) {
      const a = await rawExchange(port, Buffer.from(bytes, 'latin1'));
      assert.equal(a.status, 400, JSON.stringify(bytes) + ' → ' + a.text.slice(0, 200));
      assert.ok(isErrorShape(a.body, 'BAD_REQUEST'), a.text);
    }
  });

  it('404 NOT_FOUND, 405 METHOD_NOT_ALLOWED with Allow for a path that exists under other methods', async () => {
    const nf = await rawExchange(port, 'GET /nope HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.equal(nf.status, 404);
    assert.ok(isErrorShape(nf.body, 'NOT_FOUND'));
    const na = await rawExchange(port, 'DELETE /api/v1/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.equal(na.status, 405, na.text);
    assert.ok(isErrorShape(na.body, 'METHOD_NOT_ALLOWED'));
    assert.equal(na.headers.allow, 'GET, HEAD');
    const poll = await rawExchange(port, 'GET /seat/v1/poll HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.equal(poll.status, 405);
    assert.equal(poll.headers.allow, 'POST');
    const seat = await rawExchange(port, 'PUT /api/v1/seats/12C HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    assert.equal(seat.status, 405, seat.text);
  });

  it("fastify's own errors (bad content-length, empty JSON, malformed URL) carry our codes, never FST_*", async () => {
    const cases: [string, number][] = [
      ['POST /seat/v1/poll HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 0\r\nconnection: close\r\n\r\n', 400],
      ['POST /seat/v1/poll HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}', 415],
      ['POST /seat/v1/poll HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 99999\r\nconnection: close\r\n\r\n{}', 413],
      ['GET /api/v1/seats/%E0%A4%A HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n', 400],
    ];
    for (const [bytes, status] of cases) {
      const a = await rawExchange(port, bytes);
      assert.equal(a.status, status, `${bytes.split('\r\n')[0]} → ${a.text.slice(0, 300)}`);
      assert.ok(isErrorShape(a.body), a.text);
      assert.doesNotMatch(JSON.stringify(a.body), /FST_|statusCode/);
    }
  });

  it('slowloris: headers dribbled in are cut off by the header timeout with 408, not after Node’s 60 s', async () => {
    const s = await openSocket(port);
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    const closed = new Promise<number>((r) => s.once('close', () => r(performance.now())));
    const t0 = performance.now();
    s.write('GET /api/v1/health HTTP/1.1\r\nhost: x\r\n');
    // One header line every 300 ms: each is "progress", but the headers never end.
    const drip = setInterval(() => s.writable && s.write(`x-${Math.random().toString(36).slice(2)}: y\r\n`), 300);
    const at = await Promise.race([closed, sleep(8000).then(() => -1)]);
    clearInterval(drip);
    s.destroy();
    assert.ok(at > 0, 'the server never closed the slow connection');
    const ms = at - t0;
    assert.ok(ms >= 900 && ms < 4500, `closed after ${Math.round(ms)} ms`);
    assert.match(got, /^HTTP\/1\.1 408/);
    assert.ok(isErrorShape(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)), 'REQUEST_TIMEOUT'));
  });

  it('keeps keep-alive for seats: many polls over one connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const key = deriveLruKey(Buffer.from(TEST_SECRET, 'hex'), 'GP3-3C');
    for (let seq = 1; seq <= 5; seq++) {
      const raw = JSON.stringify(pollBody('3C', { seq }));
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${tc.url}/seat/v1/poll`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-seat-signature': signBody(key, raw) } }, (res) => {
          sockets.add(res.socket);
          assert.notEqual(res.headers.connection, 'close');
          res.resume().on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
        req.end(raw);
      });
      assert.ok(status === 200 || status === 409, `poll ${seq}: ${status}`);
      await sleep(50);
    }
    agent.destroy();
    assert.equal(sockets.size, 1, 'all five polls on one connection');
  });
});

describe('connections per address', () => {
  let tc: TestController;
  let port: number;
  before(async () => {
    // Loopback is exempt by default (the simulator runs 300 seats from it): here it is not.
    tc = await startTestController({ http: { host: '127.0.0.1', port: 0, maxConnectionsPerAddress: 4, connectionCapExempt: [] } });
    port = portOf(tc.url);
  });
  after(() => tc.stop());

  it('the connection past the cap gets 503 TOO_MANY_CONNECTIONS; the ones held keep working; a freed slot is reusable', async () => {
    const held = await Promise.all([0, 1, 2, 3].map(() => openSocket(port)));
    await sleep(50);
    const over = await rawExchange(port, 'GET /api/v1/health HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.equal(over.status, 503, over.text);
    assert.ok(isErrorShape(over.body, 'TOO_MANY_CONNECTIONS'));
    assert.equal(over.headers['retry-after'], '5');
    assert.ok(over.closed);
    // A held one still answers.
    const first = held[0]!;
    const answer = new Promise<string>((r) => first.once('data', (d) => r(d.toString())));
    first.write('GET /api/v1/health HTTP/1.1\r\nhost: x\r\n\r\n');
    assert.match(await answer, /^HTTP\/1\.1 200/);
    for (const s of held) s.destroy();
    await sleep(100);
    const again = await rawExchange(port, 'GET /api/v1/health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.equal(again.status, 200);
    const metrics = await (await fetch(`${tc.url}/metrics`)).text();
    assert.match(metrics, /purser_http_errors_total\{code="TOO_MANY_CONNECTIONS"\} [1-9]/);
  });
});
