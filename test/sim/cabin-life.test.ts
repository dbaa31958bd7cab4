import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { PollRequest } from '../../protocols/seat-poll/types.js';
import { CabinLife } from '../../src/sim/cabin-life.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startFakeController } from './fake-controller.js';

const secret = randomBytes(32);
const POLL_MS = 50;

/** Polls of one seat in arrival order, each with when it came. */
function bySeat(polls: { at: number; poll: PollRequest }[]): Map<string, { at: number; poll: PollRequest }[]> {
  const m = new Map<string, { at: number; poll: PollRequest }[]>();
  for (const p of polls) m.set(p.poll.seat, [...(m.get(p.poll.seat) ?? []), p]);
  return m;
}

test('the living cabin: calls, a fault and an offline seat each come and go, as the seats\' real polls show; stop() ends it', { timeout: 20_000 }, async (t) => {
  const fake = await startFakeController(secret, POLL_MS);
  const sim = new Simulator({ controller: fake.url, secret, seats: 6, pollIntervalMs: POLL_MS });
  // Short cycles: a fault 400 ms on then 400 ms off, a seat away 500 ms every 1 s, calls every 150 ms held at most 300 ms.
  const life = new CabinLife(sim, { callEveryMs: 150, callHoldMs: 300, faultCycleMs: 400, offlineEveryMs: 1000, offlineForMs: 500 });
  t.after(async () => {
    life.stop();
    await sim.stop();
    await fake.close();
  });
  const seen: { at: number; poll: PollRequest }[] = [];
  const t0 = performance.now();
  const orig = fake.answer;
  fake.answer = (poll) => (seen.push({ at: performance.now() - t0, poll }), orig(poll));
  sim.start();
  life.start();
  await new Promise((r) => setTimeout(r, 3000));
  life.stop();
  const seats = bySeat(seen);

  // A fault raised on a seat is later gone from that seat's polls, and the next demo fault follows.
  const codes = (p: PollRequest) => p.faults.map((f) => f.code);
  const faulted = [...seats.entries()].find(([, ps]) => ps.some((p) => codes(p.poll).includes('SCREEN_BACKLIGHT')));
  assert.ok(faulted, 'a seat reported SCREEN_BACKLIGHT');
  const [faultSeat, faultPolls] = faulted;
  const firstOn = faultPolls.findIndex((p) => codes(p.poll).includes('SCREEN_BACKLIGHT'));
  assert.ok(faultPolls.slice(firstOn).some((p) => !codes(p.poll).includes('SCREEN_BACKLIGHT')), `the fault cleared at ${faultSeat}`);
  assert.ok(seen.some((p) => codes(p.poll).includes('HEADPHONE_JACK')), 'then the next fault came');

  // A seat fell silent for about offlineForMs and polled again afterwards (each seat polls every 50 ms otherwise).
  const gaps = [...seats.values()].flatMap((ps) => ps.slice(1).map((p, i) => p.at - ps[i]!.at));
  assert.ok(gaps.some((g) => g >= 400), `a seat went quiet for ~500 ms; longest gap ${Math.max(...gaps).toFixed(0)} ms`);

  // A passenger pressed call, and a call was released again.
  const calls = [...seats.values()].filter((ps) => ps.some((p) => p.poll.inputs.call.on));
  assert.ok(calls.length > 0, 'a call was pressed');
  assert.ok(calls.some((ps) => ps.slice(ps.findIndex((p) => p.poll.inputs.call.on)).some((p) => !p.poll.inputs.call.on)), 'and released');

  // Stopped: once a silent seat is back, nothing changes any more (the seats keep polling).
  await new Promise((r) => setTimeout(r, 700));
  const settled = seen.length;
  await new Promise((r) => setTimeout(r, 600));
  const look = (p: PollRequest) => `${p.inputs.call.on} ${codes(p).join(',')}`;
  const last = bySeat(seen.slice(0, settled));
  const later = bySeat(seen.slice(settled));
  assert.equal(later.size, 6, 'every seat still polls');
  for (const [seat, ps] of later) {
    const was = look(last.get(seat)!.at(-1)!.poll);
    for (const p of ps) assert.equal(look(p.poll), was, `nothing new at ${seat} after stop()`);
    assert.ok(ps.slice(1).every((p, i) => p.at - ps[i]!.at < 450), `${seat} was not sent away after stop()`);
  }
});
