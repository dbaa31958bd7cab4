import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DEFAULT_DESIRED } from '../../protocols/seat-poll/types.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startFakeController, type FakeController } from './fake-controller.js';
import { nextEvent, nextEvents } from './helpers.js';

const secret = randomBytes(32);
let fake: FakeController;
before(async () => {
  fake = await startFakeController(secret, 20);
});
after(() => fake.close());

/** A small cabin polling the fake controller every 20 ms; stopped when the test ends. */
function cabin(t: { after(fn: () => Promise<void>): void }, seats = 3) {
  fake.answer = () => ({});
  const sim = new Simulator({ controller: fake.url, secret, seats, pollIntervalMs: 20 });
  t.after(() => sim.stop());
  return sim;
}

const pollFrom = (seat: string, match: (p: (typeof fake.polls)[number]) => boolean = () => true) => fake.next((p) => p.seat === seat && match(p));

const opts = { timeout: 10_000 };

test('polls are signed with the seat’s own LRU key and match the schema, so the controller accepts them', opts, async (t) => {
  const sim = cabin(t);
  const refusedBefore = new Map(fake.refused);
  sim.start();
  const polls = await Promise.all(['1A', '1B', '1C'].map((s) => pollFrom(s)));
  assert.deepEqual(
    polls.map((p) => p.lru.serial),
    ['GP3-000001', 'GP3-000002', 'GP3-000003'],
  );
  await nextEvent(sim, 'poll', (e) => e.outcome === 'ok');
  assert.deepEqual(fake.refused, refusedBefore);
  assert.equal(sim.stats().failed, 0);
});

test('a seat polls at the interval the controller asks for, each poll one seq on', opts, async (t) => {
  const sim = cabin(t, 1);
  sim.start();
  const first = await pollFrom('1A');
  const later = await pollFrom('1A', (p) => p.seq === first.seq + 20);
  // The seat's own uptime dates each poll, free of network and server delays.
  const took = later.uptimeMs - first.uptimeMs;
  assert.equal(later.bootId, first.bootId);
  assert.ok(took >= 20 * 20 - 40, `20 polls in ${took} ms: faster than the 20 ms asked`);
  assert.ok(took < 20 * 100, `20 polls in ${took} ms: the 20 ms interval was ignored`);
});

test('a dropped poll never reaches the controller but uses up a seq, so the controller sees the gap', opts, async (t) => {
  const sim = cabin(t, 2);
  sim.start();
  const before = await pollFrom('1A');
  sim.act('1A', { do: 'drop', probability: 1 });
  const sent = fake.polls.length;
  const dropped = await nextEvents(sim, 'poll', 3, (e) => e.seat === '1A' && e.outcome === 'dropped');
  assert.equal(dropped.length, 3);
  assert.equal(fake.polls.slice(sent).filter((p) => p.seat === '1A' && p.seq > before.seq + 1).length, 0, 'a dropped poll reached the controller');
  assert.ok(fake.polls.slice(sent).some((p) => p.seat === '1B'), 'the other seat kept polling');

  sim.act('1A', { do: 'drop', probability: 0 });
  const back = await pollFrom('1A', (p) => p.seq > before.seq + 3);
  assert.equal(back.bootId, before.bootId);
  assert.ok(sim.stats().dropped >= 3);
});

test('a silent seat sends nothing for the whole silence, then polls again on its own', opts, async (t) => {
  const sim = cabin(t, 1);
  sim.start();
  await pollFrom('1A');
  const silencedAt = performance.now();
  sim.act('1A', { do: 'silent', ms: 300 });
  const count = fake.polls.length;
  const back = await pollFrom('1A');
  const quietFor = performance.now() - silencedAt;
  assert.ok(quietFor >= 300 - 25, `heard from the seat ${quietFor} ms into a 300 ms silence`);
  assert.equal(fake.polls.length, count + 1);
  assert.ok(back.seq > 10, 'seq kept counting through the silence');
});

test('a rebooted seat comes back after its down time with a new bootId, seq 1 and a fresh uptime', opts, async (t) => {
  const sim = cabin(t, 1);
  sim.start();
  const before = await pollFrom('1A', (p) => p.seq >= 3);
  const rebootedAt = performance.now();
  sim.act('1A', { do: 'reboot', downMs: 200 });
  const after = await pollFrom('1A', (p) => p.bootId !== before.bootId);
  assert.ok(performance.now() - rebootedAt >= 200 - 25, 'polled while down');
  assert.equal(after.seq, 1);
  assert.ok(after.uptimeMs < before.uptimeMs + 200);
});

test('a seat signing with the wrong key is refused with 401, counted, and keeps trying', opts, async (t) => {
  const sim = cabin(t, 2);
  sim.act('1B', { do: 'bad-signer', on: true });
  sim.start();
  const refused = await nextEvents(sim, 'poll', 2, (e) => e.seat === '1B' && e.outcome === 'error');
  assert.deepEqual(
    refused.map((e) => e.error),
    ['401', '401'],
  );
  assert.ok((sim.stats().errors['401'] ?? 0) >= 2);
  sim.act('1B', { do: 'bad-signer', on: false });
  await pollFrom('1B');
});

test('a swapped LRU polls from the same seat with the new serial, signed with its own key', opts, async (t) => {
  const sim = cabin(t, 2);
  sim.start();
  const before = await pollFrom('1B');
  const [swapped] = sim.act('1B', { do: 'swap-lru' });
  const after = await pollFrom('1B', (p) => p.lru.serial !== before.lru.serial);
  assert.equal(after.lru.serial, swapped!.model.lru.serial);
  assert.match(after.lru.serial, /^GP3-9\d{5}$/);
  assert.notEqual(after.bootId, before.bootId);
  assert.equal(sim.stats().errors['401'], undefined);
});

test('the controller’s PA takes the seat over at the next poll, and the film resumes where it stopped', opts, async (t) => {
  const sim = cabin(t, 1); // 1A starts out watching a film
  sim.start();
  const pa = { source: 'flightdeck', group: '239.255.20.2:5004' };
  fake.answer = () => ({ desired: { ...DEFAULT_DESIRED, paOverride: pa } });
  const first = await pollFrom('1A', (p) => p.media.state === 'pa');
  const last = await pollFrom('1A', (p) => p.seq >= first.seq + 5 && p.media.state === 'pa');
  assert.equal(last.media.positionMs, first.media.positionMs, 'the film ran on under the PA');

  fake.answer = () => ({});
  const resumed = await pollFrom('1A', (p) => p.media.state === 'playing');
  assert.equal(resumed.media.item, first.media.item);
  assert.ok(resumed.media.positionMs! - first.media.positionMs! < 200, 'the film skipped ahead');
});

test('the call button: held for a while, then released; flapping toggles it many times a second', opts, async (t) => {
  const sim = cabin(t, 2);
  sim.start();
  sim.act('1A', { do: 'hold', ms: 150 });
  const on = await pollFrom('1A', (p) => p.inputs.call.on);
  const off = await pollFrom('1A', (p) => !p.inputs.call.on);
  assert.ok(off.seq > on.seq);

  const flapStart = performance.now();
  sim.act('1B', { do: 'flap', hz: 50 });
  const edges = await nextEvents(sim, 'call', 10, (e) => e.seat === '1B');
  assert.ok(performance.now() - flapStart >= 9 * 20 - 5, 'flapped faster than 50 Hz');
  assert.deepEqual(
    edges.map((e) => e.on),
    [true, false, true, false, true, false, true, false, true, false],
  );
  sim.act('1B', { do: 'flap', hz: 0 });
  await pollFrom('1B', (p) => !p.inputs.call.on);
});

test('faults and clock skew reach the controller', opts, async (t) => {
  const sim = cabin(t, 1);
  sim.act('1A', { do: 'fault', code: 'DISK_SMART', severity: 'error' });
  sim.act('1A', { do: 'skew', ms: -7_000 });
  sim.start();
  const poll = await pollFrom('1A');
  assert.deepEqual(
    poll.faults.map((f) => `${f.code}:${f.severity}`),
    ['DISK_SMART:error'],
  );
  assert.ok(Math.abs(Date.now() - 7_000 - poll.clockAt) < 1_000, `clockAt ${poll.clockAt} is not 7 s behind`);
  sim.act('1A', { do: 'clear-fault', code: 'DISK_SMART' });
  await pollFrom('1A', (p) => p.faults.length === 0);
});
