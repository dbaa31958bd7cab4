import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { SeatLoad, mergeReports } from '../../../bench/lib/seat-load.js';
import type { ShareReport } from '../../../bench/lib/seat-load-protocol.js';
import { DEFAULT_DESIRED, POLL_PATH } from '../../../protocols/seat-poll/types.js';

interface Heard {
  seat: string;
  nonce: string | undefined;
  from: string;
}

/** A poll server that records who polled and answers as a valid controller, handing out `nonce` if given. */
async function recordingServer(nonce?: string): Promise<{ url: string; heard: Heard[]; server: Server }> {
  const heard: Heard[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== POLL_PATH) return void res.writeHead(404).end();
      const poll = JSON.parse(Buffer.concat(chunks).toString()) as { seat: string; nonce?: string };
      heard.push({ seat: poll.seat, nonce: poll.nonce, from: req.socket.remoteAddress ?? '' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ serverAt: Date.now(), pollIntervalMs: 1000, desired: DEFAULT_DESIRED, commands: [], ...(nonce ? { nonce } : {}) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, heard, server };
}

const ids = Array.from({ length: 30 }, (_, i) => `${Math.floor(i / 10) + 1}${'ABCDEFGHJK'[i % 10]}`);

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

test('seats spread over processes: every seat polls under its own id, each process from its own address, then all are gone', { timeout: 90_000 }, async (t) => {
  const peer = await recordingServer();
  t.after(() => peer.server.close());
  const load = await SeatLoad.start({ controller: peer.url, secret: randomBytes(32), seatIds: ids, shares: 3 });
  const pids = load.pids;
  try {
    assert.equal(new Set(pids).size, 3);
    assert.ok(pids.every((p) => p !== process.pid));
    await load.addSeats(20);
    await new Promise((r) => setTimeout(r, 1500)); // every seat's first poll is within one interval
    const w = await load.measure(2000);
    assert.equal(w.seats, 20);
    assert.equal(w.failed, 0, JSON.stringify(w.errors));
    assert.ok(w.ok >= 20, `${w.ok} polls answered in 2 s from 20 seats`);
    assert.ok(w.latencyMs.p99 !== null && w.latencyMs.p50! <= w.latencyMs.p99 && w.latencyMs.p99 <= w.latencyMs.max!);
    assert.ok(w.cpuPercent > 0 && w.cpuPercent >= w.busiestShareCpuPercent);
    assert.equal(w.withNonce, 0, 'no nonce was offered');
    await load.addSeats(10);
    await new Promise((r) => setTimeout(r, 1500));
    await assert.rejects(load.addSeats(1), RangeError);
  } finally {
    await load.stop();
  }
  assert.deepEqual(new Set(peer.heard.map((h) => h.seat)), new Set(ids), 'the first 20, then all 30 seats, each its own id');
  // Seat i is in share i mod 3, which connects from 127.0.0.(2 + i mod 3).
  for (const h of peer.heard) assert.equal(h.from, `127.0.0.${2 + (ids.indexOf(h.seat) % 3)}`, `${h.seat} from ${h.from}`);
  assert.ok(pids.every(gone), 'no seat process outlives stop()');
});

test('seats take the nonce a controller hands out (poll v1.1) unless told to speak poll v1', { timeout: 90_000 }, async (t) => {
  for (const legacyPoll of [false, true]) {
    const peer = await recordingServer('abc123');
    t.after(() => peer.server.close());
    const load = await SeatLoad.start({ controller: peer.url, secret: randomBytes(32), seatIds: ids, shares: 2, legacyPoll });
    try {
      await load.addSeats(4);
      await new Promise((r) => setTimeout(r, 2500)); // past every seat's second poll
      const w = await load.measure(300);
      assert.equal(w.withNonce, legacyPoll ? 0 : 4);
    } finally {
      await load.stop();
    }
    const sent = peer.heard.filter((h) => h.nonce !== undefined);
    if (legacyPoll) assert.equal(sent.length, 0, 'a v1 seat never sends a nonce');
    else assert.ok(sent.length >= 4 && sent.every((h) => h.nonce === 'abc123'));
  }
});

test('a window merges every share: percentiles over all polls, counts and errors summed, the worst lag', () => {
  const report = (latencies: number[], errors: Record<string, number>, lag: number): ShareReport => ({
    type: 'report',
    seats: latencies.length,
    withNonce: 1,
    elapsedMs: 1000,
    sent: latencies.length,
    ok: latencies.length,
    errors,
    latenciesMs: Float64Array.from(latencies),
    loopLag: { p99Ms: lag, maxMs: lag * 2 },
    loopUtilization: lag / 10,
  });
  const fast = report(Array.from({ length: 99 }, () => 1), { '401': 1 }, 1);
  const slow = report([50], { '401': 2, ETIMEDOUT: 1 }, 3);
  const cpu = (at: number, cpuMs: number) => ({ at, cpuMs, rssBytes: 0 });
  const w = mergeReports([fast, slow], [cpu(0, 0), cpu(0, 0)], [cpu(1000, 100), cpu(1000, 300)]);
  assert.equal(w.seats, 100);
  assert.equal(w.ok, 100);
  assert.equal(w.answeredPerSec, 100);
  assert.equal(w.latencyMs.count, 100);
  assert.equal(w.latencyMs.p50, 1);
  assert.equal(w.latencyMs.p99, 1, 'the 99th of 100 polls is a fast one');
  assert.equal(w.latencyMs.max, 50, 'the slow share is not averaged away');
  assert.deepEqual(w.errors, { '401': 3, ETIMEDOUT: 1 });
  assert.equal(w.failed, 4);
  assert.equal(w.cpuPercent, 40);
  assert.equal(w.busiestShareCpuPercent, 30);
  assert.deepEqual(w.loopLag, { p99Ms: 3, maxMs: 6 });
  assert.equal(w.withNonce, 2);
  const empty = mergeReports([report([], {}, 0)], [cpu(0, 0)], [cpu(1000, 0)]);
  assert.deepEqual(empty.latencyMs, { count: 0, p50: null, p99: null, max: null });
});
