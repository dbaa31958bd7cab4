import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pollBody, postPoll } from '../helpers/poll.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import type { CabinEvent } from '../../src/contract/events.js';

/** The probe's two attacks, over real HTTP: a seat speaking for another, and a replayed poll. */
describe('seat poll security', () => {
  let tc: TestController;
  const events: CabinEvent[] = [];
  before(async () => {
    tc = await startTestController();
    tc.controller.ctx.registry.bus.events$.subscribe((e) => events.push(e));
  });
  after(() => tc.stop());

  it('a unit claiming a seat whose unit is online, with its own valid key, changes no seat: 409 MOVE_PENDING', async () => {
    const reg = tc.controller.ctx.registry;
    assert.equal((await postPoll(tc.url, pollBody('40A', { seq: 1 }))).status, 200);
    assert.equal((await postPoll(tc.url, pollBody('40B', { seq: 1 }))).status, 200);
    // 40B's unit (a compromised seat) signs, with its own key, a poll that says it is 40A with the call pressed.
    const forged = pollBody('40A', { seq: 2, lru: { serial: 'GP3-40B', model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:01:2c' }, inputs: { call: { on: true, sinceMs: 10 } } });
    const r = await postPoll(tc.url, forged);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.error?.code, 'MOVE_PENDING');
    assert.equal(reg.get('40A')?.lru?.serial, 'GP3-40A', '40A keeps its own unit');
    assert.equal(reg.get('40A')?.inputs.call?.on, false, 'no call light at 40A');
    assert.equal(reg.get('40B')?.lru?.serial, 'GP3-40B', '40B keeps its unit');
    assert.ok(!events.some((e) => e.type === 'call.pressed' && e.seat === '40A'));
    assert.ok(!events.some((e) => e.type === 'lru.removed'));
    assert.ok(events.some((e) => e.type === 'lru.move-pending' && e.seat === '40A' && e.serial === 'GP3-40B'));
  });

  it('a poll captured in an earlier boot and re-sent after the reboot is refused (poll v1.1 nonce)', async () => {
    const reg = tc.controller.ctx.registry;
    // Boot 1: first contact, then polls carrying the nonce the controller hands out.
    const first = await postPoll(tc.url, pollBody('20C', { bootId: 'boot-1', seq: 1 }));
    assert.equal(first.status, 200);
    const nonce1 = (first.body as { nonce?: string }).nonce;
    assert.match(nonce1 ?? '', /^[0-9a-f]{32}$/);
    const pressed = JSON.stringify({ ...pollBody('20C', { bootId: 'boot-1', seq: 2, inputs: { call: { on: true, sinceMs: 10 } } }), nonce: nonce1 });
    assert.equal((await postPoll(tc.url, pressed, { serial: 'GP3-20C' })).status, 200);
    assert.equal(reg.get('20C')?.inputs.call?.on, true);
    // Boot 2: the first poll still carries the last nonce; the controller hands out a new one.
    const reboot = await postPoll(tc.url, JSON.stringify({ ...pollBody('20C', { bootId: 'boot-2', seq: 1 }), nonce: nonce1 }), { serial: 'GP3-20C' });
    assert.equal(reboot.status, 200, JSON.stringify(reboot.body));
    const nonce2 = (reboot.body as { nonce?: string }).nonce;
    assert.ok(nonce2 && nonce2 !== nonce1);
    assert.equal(reg.get('20C')?.bootId, 'boot-2');
    assert.equal(reg.get('20C')?.inputs.call?.on, false);
    // The captured boot-1 poll, same bytes, same signature.
    const replay = await postPoll(tc.url, pressed, { serial: 'GP3-20C' });
    assert.equal(replay.status, 409, JSON.stringify(replay.body));
    assert.equal(replay.body.error?.code, 'STALE_POLL');
    assert.equal(reg.get('20C')?.bootId, 'boot-2', 'the old boot is not put back');
    assert.equal(reg.get('20C')?.inputs.call?.on, false, 'the old press is not put back');
    assert.equal(reg.get('20C')?.freshness, 'nonce');
  });

  it('a v1 seat (no nonce) still works, is flagged legacy, and cannot have an earlier boot replayed', async () => {
    const reg = tc.controller.ctx.registry;
    const boot1 = JSON.stringify(pollBody('21D', { bootId: 'old-boot', seq: 7, inputs: { call: { on: true, sinceMs: 10 } } }));
    assert.equal((await postPoll(tc.url, boot1, { serial: 'GP3-21D' })).status, 200);
    assert.equal((await postPoll(tc.url, pollBody('21D', { bootId: 'new-boot', seq: 1 }))).status, 200);
    assert.equal(reg.get('21D')?.freshness, 'legacy');
    const replay = await postPoll(tc.url, boot1, { serial: 'GP3-21D' });
    assert.equal(replay.status, 409);
    assert.equal(replay.body.error?.code, 'STALE_POLL');
    assert.equal(reg.get('21D')?.bootId, 'new-boot');
    assert.equal(reg.get('21D')?.inputs.call?.on, false);
  });
});
