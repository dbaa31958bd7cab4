import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { filter, firstValueFrom } from 'rxjs';
import { encodeCommand } from '../../protocols/seat-command/codec.js';
import type { CommandOutcome } from '../../src/sim/seat-model.js';
import { Simulator } from '../../src/sim/simulator.js';
import { postCommand, startCommandController } from '../helpers/commands.js';
import { TEST_SECRET, type TestController } from '../helpers/controller.js';
import { nextEvents } from './helpers.js';

// Simulated seats on real loopback multicast, against the real controller: a
// command must arrive by datagram at once, and the polls must make up for what
// the network loses.
const SEATS = 60;
let tc: TestController & { port: number };
let sim: Simulator;
before(async () => {
  tc = await startCommandController({ cabin: { secret: TEST_SECRET } });
  sim = new Simulator({
    controller: tc.url,
    secret: Buffer.from(TEST_SECRET, 'hex'),
    seats: SEATS,
    commands: { group: '239.255.10.1', port: tc.port, interface: '127.0.0.1' },
  });
  const everyoneOnline = firstValueFrom(tc.controller.ctx.registry.polls$.pipe(filter(() => tc.controller.ctx.registry.onlineCount() === SEATS)));
  sim.start();
  await sim.joined();
  await everyoneOnline;
  // A seat learns its zone from its first answer; only then can it judge zone targets.
  await waitFor(() => sim.players.every((p) => p.model.zone !== undefined));
});
after(async () => {
  await sim.stop();
  await tc.stop();
});

const opts = { timeout: 20_000 };
type CommandEvent = { seat: string } & CommandOutcome;

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function deliveryOf(seq: number) {
  const res = await fetch(`${tc.url}/api/v1/commands/${seq}`, { headers: { authorization: 'Bearer test-token-0123456789abcdef' } });
  return (await res.json()) as { state: string; acked: number; pending: string[]; offline: string[] };
}

test('with every poll held back, a command still reaches each targeted seat by datagram, once, and then shows delivered', opts, async () => {
  for (const p of sim.players) p.goSilent(60_000);
  const applied = nextEvents(sim, 'command', 6, (e) => e.cmd === 'seat.lock');
  const r = await postCommand(tc.url, { target: { zones: ['J'] }, cmd: 'seat.lock', args: { reason: 'medical' } });
  assert.equal(r.status, 201);
  const events = (await applied) as CommandEvent[];
  // The default layout's zone J is rows 1-5 (A-F): the first 30 seats; the first 6 events are from J seats only.
  assert.ok(events.every((e) => e.via === 'multicast' && e.result === 'applied' && e.seq === r.body.command!.seq));
  await waitFor(() => sim.players.filter((p) => p.model.mediaState === 'locked').length === 30);
  assert.deepEqual(
    sim.players.filter((p) => p.model.mediaState === 'locked').map((p) => p.model.zone),
    Array(30).fill('J'),
    'only zone J locks',
  );
  assert.equal(sim.players.filter((p) => p.model.applied.filter((s) => s === r.body.command!.seq).length > 1).length, 0, 'no seat applied it twice');
  assert.equal((await deliveryOf(r.body.command!.seq)).state, 'pending', 'nobody has polled to acknowledge yet');
  for (const p of sim.players) p.goSilent(0);
  await waitFor(async () => (await deliveryOf(r.body.command!.seq)).state === 'delivered');
});

test('a forged datagram on the group is refused by every seat and counted', opts, async () => {
  const before = sim.multicastStats()!.rejected.signature;
  const { privateKey } = generateKeyPairSync('ed25519');
  const forged = encodeCommand({ seq: 1_000_000, at: Date.now(), expiresAt: Date.now() + 60_000, target: { all: true }, cmd: 'seat.reboot', args: {} }, privateKey);
  const bootIds = sim.players.map((p) => p.model.bootId);
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  socket.setMulticastInterface('127.0.0.1');
  await new Promise<void>((r, j) => socket.send(forged, tc.port, '239.255.10.1', (err) => (err ? j(err) : r())));
  socket.close();
  await waitFor(() => sim.multicastStats()!.rejected.signature > before);
  assert.deepEqual(sim.players.map((p) => p.model.bootId), bootIds, 'no seat rebooted');
  assert.ok(sim.players.every((p) => p.model.ackCmd < 1_000_000));
});

test('seats that lose every datagram catch up through their next poll; the rest apply by datagram', opts, async () => {
  const deaf = sim.act({ fraction: 0.25 }, { do: 'lose-datagrams', probability: 1 }).map((p) => p.seat);
  try {
    const all = nextEvents(sim, 'command', SEATS, (e) => e.cmd === 'volume.cap');
    const r = await postCommand(tc.url, { target: { all: true }, cmd: 'volume.cap', args: { max: 3 } });
    const events = (await all) as CommandEvent[];
    assert.ok(events.every((e) => e.result === 'applied' && e.seq === r.body.command!.seq));
    const byPoll = events.filter((e) => e.via === 'poll').map((e) => e.seat).sort();
    assert.deepEqual(byPoll, [...deaf].sort(), 'exactly the deaf seats needed the poll');
    assert.ok(sim.stats().datagrams.lost > 0);
    // Every simulated seat acknowledges; the layout's other 240 seats never polled and show offline.
    await waitFor(async () => (await deliveryOf(r.body.command!.seq)).acked === SEATS);
    const d = await deliveryOf(r.body.command!.seq);
    assert.deepEqual(d.pending, d.offline);
    assert.equal(d.pending.length, 300 - SEATS);
    assert.ok(sim.players.every((p) => (p.model.nextPoll().media.volume ?? 0) <= 3));
  } finally {
    sim.act('all', { do: 'lose-datagrams', probability: 0 });
  }
});

test('a seat that got a command by poll is asked back within catchUpPollMs and acknowledges then, not a whole interval later', opts, async () => {
  const deaf = new Set(sim.act({ fraction: 0.2 }, { do: 'lose-datagrams', probability: 1 }).map((p) => p.seat));
  const appliedAt = new Map<string, number>();
  const ackedAt = new Map<string, number>();
  let seq = Infinity;
  const subs = [
    sim.events$.subscribe((e) => {
      if (e.type === 'command' && e.result === 'applied' && e.via === 'poll' && deaf.has(e.seat)) appliedAt.set(e.seat, performance.now());
    }),
    tc.controller.ctx.registry.polls$.subscribe((p) => {
      if (deaf.has(p.seat) && p.ackCmd >= seq && !ackedAt.has(p.seat)) ackedAt.set(p.seat, performance.now());
    }),
  ];
  try {
    const r = await postCommand(tc.url, { target: { all: true }, cmd: 'message.show', args: { text: 'Seat belts, please', level: 'info' } });
    seq = r.body.command!.seq;
    await waitFor(() => ackedAt.size === deaf.size);
    for (const s of deaf) {
      const gap = ackedAt.get(s)! - appliedAt.get(s)!;
      // The default catch-up is 250 ms; the cabin's interval is 1000 ms.
      assert.ok(gap < 600, `${s} acknowledged ${gap.toFixed(0)} ms after applying by poll`);
    }
    await waitFor(() => sim.players.every((p) => p.intervalMs === 1000)); // every seat back on the cabin interval
  } finally {
    for (const sub of subs) sub.unsubscribe();
    sim.act('all', { do: 'lose-datagrams', probability: 0 });
  }
});
