import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { filter, firstValueFrom, type Observable } from 'rxjs';
import type { CabinEvent } from '../../src/contract/events.js';
import { Simulator } from '../../src/sim/simulator.js';
import { TEST_SECRET, type TestController } from '../helpers/controller.js';
import { postCommand, startCommandController } from '../helpers/commands.js';
import { nextEvent } from './helpers.js';

// The simulator against the real controller, in-process: each behaviour must show up as the
// cabin event an operator would see.
let tc: TestController;
let sim: Simulator;
let cabin$: Observable<CabinEvent>;
before(async () => {
  tc = await startCommandController({ cabin: { secret: TEST_SECRET } });
  cabin$ = tc.controller.ctx.bus.events$;
  sim = new Simulator({ controller: tc.url, secret: Buffer.from(TEST_SECRET, 'hex') });
  const everyoneOnline = firstValueFrom(tc.controller.ctx.registry.polls$.pipe(filter(() => tc.controller.ctx.registry.onlineCount() === 300)));
  sim.start();
  await everyoneOnline;
});
after(async () => {
  await sim.stop();
  await tc.stop();
});

const cabinEvent = <T extends CabinEvent['type']>(type: T, seat: string) =>
  firstValueFrom(cabin$.pipe(filter((e): e is Extract<CabinEvent, { type: T }> => e.type === type && e.seat === seat)));

const opts = { timeout: 15_000 };

test('the controller refuses none of a 300-seat cabin’s polls and knows each seat’s unit', opts, () => {
  // Statuses only: on a loaded machine a poll may time out, which says nothing about the protocol.
  const { errors } = sim.stats();
  assert.deepEqual(Object.keys(errors).filter((kind) => /^\d+$/.test(kind)), [], JSON.stringify(errors));
  assert.equal(tc.controller.ctx.registry.get('12A')?.lru?.serial, 'GP3-000067');
});

test('a pressed call button, a raised fault and a reboot each become the cabin event the crew sees', opts, async () => {
  const call = cabinEvent('call.pressed', '12A');
  const fault = cabinEvent('fault.raised', '20B');
  const reboot = cabinEvent('seat.rebooted', '3C');
  sim.act('12A', { do: 'call' });
  sim.act('20B', { do: 'fault', code: 'DISK_SMART', severity: 'error' });
  sim.act('3C', { do: 'reboot', downMs: 0 });
  assert.equal((await fault).code, 'DISK_SMART');
  assert.equal((await reboot).bootId, sim.seat('3C')!.model.bootId);
  await call;
});

test('an LRU swap is held while the old unit was heard recently, and recorded once a technician confirms it', opts, async () => {
  const before = sim.seat('7F')!.model.lru.serial;
  const pending = cabinEvent('lru.move-pending', '7F');
  const installed = cabinEvent('lru.installed', '7F');
  sim.act('7F', { do: 'swap-lru' });
  const serial = sim.seat('7F')!.model.lru.serial;
  const p = await pending;
  assert.deepEqual([p.serial, p.holder, p.reason], [serial, before, 'seat-held']);
  assert.equal(tc.controller.ctx.registry.get('7F')?.lru?.serial, before, 'held: the seat still shows its unit');
  assert.equal(tc.controller.ctx.registry.confirmMove('7F', serial, 'test-technician').ok, true);
  const e = await installed;
  assert.equal(e.previousSerial, before);
  assert.equal(e.serial, serial);
});

test('the simulated seats speak poll v1.1: their polls carry the nonce, a cold reboot is asked for it once', opts, async () => {
  const reg = tc.controller.ctx.registry;
  assert.equal(reg.get('15A')?.freshness, 'nonce');
  assert.equal(sim.seat('15A')!.nonce, reg.get('15A')?.pollNonce);
  const reboot = cabinEvent('seat.rebooted', '15A');
  const refused = nextEvent(sim, 'poll', (e) => e.seat === '15A' && e.outcome === 'error');
  sim.seat('15A')!.reboot(0, true);
  assert.equal((await refused).error, '409', 'NONCE_REQUIRED');
  assert.equal((await reboot).bootId, sim.seat('15A')!.model.bootId);
  await nextEvent(sim, 'poll', (e) => e.seat === '15A' && e.outcome === 'ok');
  assert.equal(sim.seat('15A')!.nonce, reg.get('15A')?.pollNonce);
});

test('a seat speaking poll v1 (no nonce) keeps working, flagged legacy', opts, async () => {
  const reg = tc.controller.ctx.registry;
  // A unit that has spoken v1.1 is never taken back to v1 (a downgrade is a replay), so a fresh unit plays the old firmware.
  sim.seat('16B')!.setLegacyPoll(true);
  const pending = cabinEvent('lru.move-pending', '16B');
  sim.act('16B', { do: 'swap-lru' });
  const serial = (await pending).serial;
  reg.confirmMove('16B', serial, 'test-technician');
  await cabinEvent('lru.installed', '16B');
  await nextEvent(sim, 'poll', (e) => e.seat === '16B' && e.outcome === 'ok');
  assert.equal(reg.get('16B')?.freshness, 'legacy');
  assert.equal(sim.seat('16B')!.nonce, undefined);
});

test('a skewed seat clock is measured', opts, async () => {
  sim.act('4D', { do: 'skew', ms: -5000 });
  await nextEvent(sim, 'poll', (e) => e.seat === '4D' && e.outcome === 'ok');
  await nextEvent(sim, 'poll', (e) => e.seat === '4D' && e.outcome === 'ok');
  const skew = tc.controller.ctx.registry.get('4D')!.skewMs!;
  assert.ok(Math.abs(skew + 5000) < 500, `skew measured as ${skew} ms`);
});

test('a seat signing with the wrong key is refused with 401', opts, async () => {
  sim.act('9E', { do: 'bad-signer', on: true });
  const refused = await nextEvent(sim, 'poll', (e) => e.seat === '9E' && e.outcome === 'error');
  assert.equal(refused.error, '401');
  sim.act('9E', { do: 'bad-signer', on: false });
});

test('a command issued through the API reaches the seats in their poll answers, is applied, and shows delivered', opts, async () => {
  const applied = ['12A', '12B'].map((seat) => nextEvent(sim, 'command', (e) => e.seat === seat && e.cmd === 'seat.lock'));
  const issued = await postCommand(tc.url, { target: { seats: ['12A', '12B'] }, cmd: 'seat.lock', args: { reason: 'medical' } });
  assert.equal(issued.status, 201);
  const seq = issued.body.command!.seq;
  for (const e of await Promise.all(applied)) assert.deepEqual([e.seq, e.result], [seq, 'applied']);
  for (;;) {
    const status = (await (await fetch(`${tc.url}/api/v1/commands/${seq}`)).json()) as { state: string };
    if (status.state === 'delivered') break;
    await nextEvent(sim, 'poll', (e) => e.seat === '12B' && e.outcome === 'ok');
  }
  assert.equal(sim.seat('12A')!.model.mediaState, 'locked');
  assert.equal(sim.seat('12C')!.model.mediaState === 'locked', false);
});
