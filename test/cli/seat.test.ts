import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postCommand, startCommandController, TEST_TOKEN } from '../helpers/commands.js';
import type { TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { purser } from './run-cli.js';

const SPARE = { serial: 'GP3-SPARE-7', model: 'gp3', firmware: '2.4.2', mac: '02:00:00:00:07:07' };

/** Polls `check` until it holds; the bound only turns a hang into a failure. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('purser seat 12A', () => {
  let tc: TestController;
  let keepAlive: NodeJS.Timeout;
  let lockSeq = 0;

  before(async () => {
    tc = await startCommandController();
    // 12A's life: its unit polls, reboots, is swapped for a spare (held, then confirmed by a technician),
    // a passenger has been calling for 4 minutes and a disk warning is a minute old.
    await postPoll(tc.url, pollBody('12A'));
    await postPoll(tc.url, pollBody('12A', { seq: 1, bootId: 'boot-2', uptimeMs: 500 }));
    const held = await postPoll(tc.url, pollBody('12A', { seq: 1, bootId: 'spare-boot', lru: SPARE }));
    assert.equal(held.status, 409, 'a unit claiming a seat whose unit was just heard is held');
    const confirm = await fetch(`${tc.url}/api/v1/moves/12A/confirm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ serial: SPARE.serial }),
    });
    assert.equal(confirm.status, 200, await confirm.text());
    let seq = 2;
    const poll = (over = {}) =>
      postPoll(tc.url, pollBody('12A', { seq: seq++, bootId: 'spare-boot', uptimeMs: 180_000, lru: SPARE, inputs: { call: { on: true, sinceMs: 240_000 } }, faults: [{ code: 'DISK_SMART', severity: 'warn', sinceMs: 60_000 }, { code: 'TEMP_HIGH', severity: 'critical', sinceMs: 5_000 }], ...over }));
    await poll();
    const lock = await postCommand(tc.url, { target: { seats: ['12A'] }, cmd: 'seat.lock', args: { reason: 'medical' } });
    lockSeq = lock.body.command!.seq;
    await poll({ ackCmd: lockSeq });
    await postCommand(tc.url, { target: { zones: ['Y'] }, cmd: 'message.show', args: { text: 'Meal service', level: 'info' } });
    // Stays online while the CLI starts (3 missed intervals is offline).
    keepAlive = setInterval(() => void poll({ ackCmd: lockSeq }), 500);
    // Events are written behind, about once a second: wait until the API has them.
    await until('the events to be stored', async () => {
      const r = (await (await fetch(`${tc.url}/api/v1/seats/12A`)).json()) as { events: { type: string }[] };
      return r.events.some((e) => e.type === 'fault.raised') && r.events.some((e) => e.type === 'lru.move-confirmed');
    });
  });
  after(async () => {
    clearInterval(keepAlive);
    await tc.stop();
  });

  it('shows the seat, its unit, its LRU history, its events and its commands, in words and readable times', async () => {
    const r = await purser(['seat', '12a', '--controller', tc.url]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.match(out, /^Seat 12A, zone Y: ONLINE, last poll \d+ s ago$/m);
    assert.match(out, /^ {2}unit {6}GP3-SPARE-7 \(gp3\), firmware 2\.4\.2, MAC 02:00:00:00:07:07$/m);
    assert.match(out, /^ {2}boot {6}spare-boot, up 3 min at the last poll$/m);
    assert.match(out, /^ {2}call {6}ON for 4 min$/m);
    // Most severe first, each with how long it has lasted.
    assert.match(out, /^ {2}faults {4}TEMP_HIGH \(critical\) for \d+ s; DISK_SMART \(warn\) for 1 min$/m);
    assert.match(out, new RegExp(`^  commands  acknowledged up to seq ${lockSeq}$`, 'm'));

    const lru = out.slice(out.indexOf('LRU history'), out.indexOf('Recent events'));
    assert.match(lru, /^\d+ s ago\s+installed\s+GP3-12A$/m);
    assert.match(lru, /^\d+ s ago\s+removed\s+GP3-12A$/m);
    assert.match(lru, /^\d+ s ago\s+installed\s+GP3-SPARE-7$/m);

    const events = out.slice(out.indexOf('Recent events'), out.indexOf('Recent commands'));
    assert.match(events, /attendant call pressed/);
    assert.match(events, /fault TEMP_HIGH raised \(critical\)/);
    assert.match(events, /fault DISK_SMART raised \(warn\)/);
    assert.match(events, /rebooted \(boot boot-2/);
    assert.match(events, /unit GP3-SPARE-7 moved here, confirmed by token/);
    assert.match(events.trim().split('\n').at(-1)!, /^\d+ min ago\s+attendant call pressed$/, 'by when it happened: the press was 4 minutes ago, the oldest');
    assert.doesNotMatch(out, /\b1[789]\d{11}\b|\d{4}-\d\d-\d\dT/, 'no epoch milliseconds or ISO strings');

    const commands = out.slice(out.indexOf('Recent commands'));
    assert.match(commands, new RegExp(`^${lockSeq}\\s+\\d+ s ago\\s+seat\\.lock\\s+token\\s+delivered$`, 'm'));
    assert.match(commands, /^\d+\s+\d+ s ago\s+message\.show\s+token\s+not acknowledged yet$/m, 'a zone-wide command counts for the seat');
  });

  it('a seat that is not in the layout is a clear error naming the seats meant', async () => {
    const letter = await purser(['seat', '12K', '--controller', tc.url]);
    assert.equal(letter.code, 2);
    assert.match(letter.stderr, /no seat "12K" in this cabin's layout; did you mean 12F, 12E, 12D or 12C\?/);
    assert.doesNotMatch(letter.stderr, /Usage:/);
    const row = await purser(['seat', '99C', '--controller', tc.url]);
    assert.equal(row.code, 2);
    assert.match(row.stderr, /no seat "99C" in this cabin's layout; did you mean 50C, 49C, 48C or 47C\?/);
    const hostile = await purser(['seat', '../admin', '--controller', tc.url]);
    assert.equal(hostile.code, 2);
    assert.match(hostile.stderr, /no seat "\.\.\/admin" in this cabin's layout \(seats 1A to \d+F\)/);
    const away = await purser(['seat', '12A', '--controller', 'http://127.0.0.1:9']);
    assert.equal(away.code, 1);
    assert.match(away.stderr, /cannot reach the controller at http:\/\/127\.0\.0\.1:9/);
    const none = await purser(['seat', '--controller', tc.url]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /which seat\? e\.g\. purser seat 12A/);
  });

  it('--json gives the API\'s detail with the seat\'s commands', async () => {
    const r = await purser(['seat', '12A', '--controller', tc.url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { seat: { seat: string }; commands: { cmd: string }[] };
    assert.equal(j.seat.seat, '12A');
    assert.deepEqual(j.commands.map((c) => c.cmd).sort(), ['message.show', 'seat.lock']);
  });
});
