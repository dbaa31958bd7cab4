import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { filter, firstValueFrom } from 'rxjs';
import { DEFAULT_DESIRED, POLL_PATH } from '../../protocols/seat-poll/types.js';
import { MAX_SEATS } from '../../src/sim/layout.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startFakeController } from './fake-controller.js';

const secret = randomBytes(32);
const nowhere = 'http://127.0.0.1:9';

test('seats follow the layout row-major, 1A..50F, then on into rows 51, 52...', () => {
  const sim = new Simulator({ controller: nowhere, secret, seats: 302 });
  const ids = sim.players.map((p) => p.seat);
  assert.deepEqual(ids.slice(0, 7), ['1A', '1B', '1C', '1D', '1E', '1F', '2A']);
  assert.deepEqual(ids.slice(298), ['50E', '50F', '51A', '51B']);
  sim.addSeats(4);
  assert.equal(sim.players.at(-1)!.seat, '51F');
  assert.equal(new Set(sim.players.map((p) => p.model.lru.serial)).size, 306, 'every seat has its own unit');
  assert.equal(new Set(sim.players.map((p) => p.model.lru.mac)).size, 306, 'every unit has its own MAC');
  assert.throws(() => sim.addSeats(MAX_SEATS), RangeError);
});

test('a share of the cabin is spread over it, not bunched at the front', () => {
  const sim = new Simulator({ controller: nowhere, secret });
  const rows = sim.select({ fraction: 0.1 }).map((p) => parseInt(p.seat, 10));
  assert.equal(rows.length, 30);
  assert.ok(Math.min(...rows) <= 2 && Math.max(...rows) >= 48, `rows ${rows.join(',')}`);
  assert.throws(() => sim.select('99Z'), RangeError);
});

test('the seats’ polls spread over the interval instead of arriving together', { timeout: 10_000 }, async (t) => {
  const fake = await startFakeController(secret, 500);
  const sim = new Simulator({ controller: fake.url, secret, seats: 100, pollIntervalMs: 500 });
  t.after(async () => {
    await sim.stop();
    await fake.close();
  });
  const arrivals: number[] = [];
  const start = performance.now();
  sim.events$.subscribe((e) => e.type === 'poll' && e.seq === 1 && arrivals.push(performance.now() - start));
  sim.start();
  await firstValueFrom(sim.events$.pipe(filter((e) => e.type === 'poll' && e.seq === 2)));
  while (arrivals.length < 100) await firstValueFrom(sim.events$);
  // Ten 50 ms slots of a 500 ms interval: about ten first polls in each, never most of them in one.
  const slots = Array.from({ length: 10 }, (_, i) => arrivals.filter((a) => a >= i * 50 && a < (i + 1) * 50).length);
  assert.ok(Math.max(...slots) <= 30, `first polls per 50 ms: ${slots.join(' ')}`);
});

test('the simulator rides out a controller answering 500, garbage or hanging up, and recovers when it heals', { timeout: 15_000 }, async (t) => {
  let mode: 'healthy' | '500' | 'not-json' | 'not-http' | 'hang-up' = '500';
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url !== POLL_PATH) return res.writeHead(404).end();
      if (mode === '500') return res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"boom","message":"boom"}}');
      if (mode === 'not-json') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"serverAt": 1, "desi');
      if (mode === 'not-http') return req.socket.end('\x00\xffSSH-2.0-nope\r\n\r\n');
      if (mode === 'hang-up') return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ serverAt: Date.now(), pollIntervalMs: 20, desired: DEFAULT_DESIRED, commands: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sim = new Simulator({ controller: url, secret, seats: 20, pollIntervalMs: 20 });
  t.after(async () => {
    await sim.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const failedWith = (kind: RegExp) =>
    firstValueFrom(sim.events$.pipe(filter((e) => e.type === 'poll' && e.outcome === 'error' && kind.test(e.error ?? ''))));

  sim.start();
  await failedWith(/^500$/);
  mode = 'not-json';
  await failedWith(/^bad-response$/);
  mode = 'not-http';
  await failedWith(/^HPE_|ECONNRESET/);
  mode = 'hang-up';
  await failedWith(/^ECONNRESET$/);
  mode = 'healthy';
  const recovered = new Set<string>();
  await firstValueFrom(
    sim.events$.pipe(
      filter((e) => e.type === 'poll' && e.outcome === 'ok' && recovered.add(e.seat).size === sim.players.length),
    ),
  );

  const { errors } = sim.stats();
  assert.ok(errors['500']! > 0 && errors['bad-response']! > 0 && errors['ECONNRESET']! > 0, JSON.stringify(errors));
});

test('a controller that never answers costs a timeout, not a stuck seat', { timeout: 10_000 }, async (t) => {
  const server = createServer(() => {}); // reads the request, never answers
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sim = new Simulator({
    controller: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    secret,
    seats: 2,
    pollIntervalMs: 20,
    requestTimeoutMs: 100,
  });
  t.after(async () => {
    await sim.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  sim.start();
  await firstValueFrom(sim.events$.pipe(filter((e) => e.type === 'poll' && e.seat === '1A' && e.seq === 3)));
  assert.ok(sim.stats().errors['ETIMEDOUT']! >= 2);
});

test('stop() returns promptly even with polls in flight, and completes the event stream', { timeout: 10_000 }, async () => {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sim = new Simulator({ controller: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, secret, seats: 5, pollIntervalMs: 10 });
  let completed = false;
  sim.events$.subscribe({ complete: () => (completed = true) });
  const requested = once(server, 'request');
  sim.start();
  await requested;
  const t0 = performance.now();
  await sim.stop();
  assert.ok(performance.now() - t0 < 1000, 'stop waited out the request timeout');
  assert.ok(completed);
  assert.equal(sim.stats().failed, 0, 'polls cut short by stop() are not failures');
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
