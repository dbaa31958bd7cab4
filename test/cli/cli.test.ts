import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCommandController, TEST_TOKEN } from '../helpers/commands.js';
import type { TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { purser } from './run-cli.js';

const FAULTS_2B = [
  { code: 'DISK_SMART', severity: 'warn' as const, sinceMs: 0 },
  { code: 'TEMP_HIGH', severity: 'critical' as const, sinceMs: 0 },
];


describe('purser CLI', () => {
  let tc: TestController;
  /** When 1A's passenger pressed the call (about): the tests before `purser seats` may take a minute under load. */
  let callAt = 0;
  before(async () => {
    tc = await startCommandController();
    // A passenger at 1A has waited 4 minutes; 2B has a disk warning and a critical temperature.
    callAt = Date.now() - 240_000;
    await postPoll(tc.url, pollBody('1A', { inputs: { call: { on: true, sinceMs: 240_000 } } }));
    await postPoll(tc.url, pollBody('2B', { faults: FAULTS_2B }));
  });
  after(() => tc.stop());

  it('--help lists every command; each command has its own --help', async () => {
    const top = await purser(['--help']);
    assert.equal(top.code, 0);
    for (const c of ['run', 'demo', 'sim', 'seats', 'command']) assert.match(top.stdout, new RegExp(`^  ${c} `, 'm'));
    const seats = await purser(['seats', '--help']);
    assert.match(seats.stdout, /--offline/);
  });

  it('an unknown command or flag is a usage error (exit 2) that says what is wrong', async () => {
    const r = await purser(['fly']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "fly"/);
    const f = await purser(['seats', '--bogus']);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /Unknown option '--bogus'/);
  });

  it('`purser seats` prints a readable table and filters', async () => {
    // Keep the two seats online (3 missed intervals is offline) while the CLI starts up.
    let seq = 10;
    const pollBoth = () => {
      seq++;
      return Promise.all([
        postPoll(tc.url, pollBody('1A', { seq, inputs: { call: { on: true, sinceMs: 240_000 } } })),
        postPoll(tc.url, pollBody('2B', { seq, faults: FAULTS_2B })),
      ]);
    };
    // Both are online before the CLI asks, not only after the first tick.
    await pollBoth();
    const keepAlive = setInterval(() => void pollBoth(), 500);
    after(() => clearInterval(keepAlive));
    const askedAt = Date.now();
    const j = await purser(['seats', '--controller', tc.url, '--zone', 'j']);
    const waited = new Set([askedAt - 1000, Date.now()].map((t) => Math.floor((t - callAt) / 60_000)));
    assert.equal(j.code, 0, j.stderr);
    const lines = j.stdout.trim().split('\n');
    assert.match(lines[0]!, /^SEAT\s+ZONE\s+STATUS\s+LRU/);
    // How long the passenger has waited (4 min when pressed, more if the tests before were slow), and when the seat last polled.
    assert.match(j.stdout, new RegExp(`^1A\\s+J\\s+ONLINE\\s+GP3-1A\\s+2\\.4\\.1\\s+idle\\s+call (${[...waited].join('|')}) min\\s+\\d+ s ago$`, 'm'));
    // The most severe fault first, each with its severity.
    assert.match(j.stdout, /^2B\s+J\s+ONLINE\s+GP3-2B\s+2\.4\.1\s+idle\s+TEMP_HIGH \(critical\), DISK_SMART \(warn\)\s+\d+ s ago$/m);
    assert.doesNotMatch(j.stdout, /\b1[789]\d{11}\b|\d{4}-\d\d-\d\dT/, 'no epoch milliseconds or ISO strings');
    assert.match(j.stdout, /30 shown of 300 seats; 2 online\./);
    const faults = await purser(['seats', '--controller', tc.url, '--faults']);
    assert.match(faults.stdout, /^2B .*TEMP_HIGH \(critical\), DISK_SMART \(warn\)/m);
    assert.match(faults.stdout, /1 shown of 300/);
    const offline = await purser(['seats', '--controller', tc.url, '--offline', '--json']);
    assert.equal((JSON.parse(offline.stdout) as { matched: number }).matched, 298);
    clearInterval(keepAlive);
  });

  it('`purser seats` against no controller says so and exits 1', async () => {
    const r = await purser(['seats', '--controller', 'http://127.0.0.1:9']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach the controller at http:\/\/127\.0\.0\.1:9/);
  });

  it('`purser command` sends, waits for every targeted seat, and exits 0 when delivered', async () => {
    const run = purser(['command', 'seat.lock', '--seats', '5a,5b', '--reason', 'medical', '--controller', tc.url, '--timeout', '30'], { PURSER_TOKEN: TEST_TOKEN });
    // The two seats poll while the CLI watches; their polls acknowledge what they were given.
    let ack = 0;
    // Generous: on a busy machine the CLI itself can take seconds to start and send.
    for (let i = 1; i <= 200 && ack === 0; i++) {
      const r = await postPoll(tc.url, pollBody('5A', { seq: i }));
      const seqs = (r.body.commands as { seq: number }[]).map((c) => c.seq);
      if (seqs.length) ack = Math.max(...seqs);
      else await new Promise((res) => setTimeout(res, 100));
    }
    await postPoll(tc.url, pollBody('5A', { seq: 50, ackCmd: ack }));
    await postPoll(tc.url, pollBody('5B', { seq: 50, ackCmd: ack }));
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /seat\.lock \(seq \d+\) delivered to all 2 seats/);
  });

  it('`purser command` to one seat says it was delivered to the seat, not "all 1 seats"', async () => {
    const run = purser(['command', 'seat.lock', '--seats', '7c', '--reason', 'medical', '--controller', tc.url, '--timeout', '30'], { PURSER_TOKEN: TEST_TOKEN });
    let ack = 0;
    for (let i = 1; i <= 200 && ack === 0; i++) {
      const r = await postPoll(tc.url, pollBody('7C', { seq: i }));
      const seqs = (r.body.commands as { seq: number }[]).map((c) => c.seq);
      if (seqs.length) ack = Math.max(...seqs);
      else await new Promise((res) => setTimeout(res, 100));
    }
    await postPoll(tc.url, pollBody('7C', { seq: 250, ackCmd: ack }));
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /seat\.lock \(seq \d+\) delivered to the seat$/m);
    assert.doesNotMatch(r.stdout, /all 1 seats/);
  });

  it('`purser command` with a bad argument shows the controller\'s reason and exits 1', async () => {
    const r = await purser(['command', 'volume.cap', '--all', '--max', '11', '--controller', tc.url], { PURSER_TOKEN: TEST_TOKEN });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--max must be a whole number from 0 to 10/);
    const z = await purser(['command', 'seat.lock', '--zone', 'Q', '--controller', tc.url], { PURSER_TOKEN: TEST_TOKEN });
    assert.equal(z.code, 1);
    assert.match(z.stderr, /400 INVALID_COMMAND: target\.zones\[0\] .*unknown zone "Q"/);
  });
});
