import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BusyPoll } from '../../../protocols/tftp/busy-poll.js';
import type { TftpServer } from '../../../protocols/tftp/server.js';
import { download, makeRoot, sha256, startServer } from './helpers.js';

/** A poller on a hand-turned clock: `turn()` runs one scheduled tick. */
function manual(budgetUs: number) {
  let now = 0;
  const queue: Array<() => void> = [];
  const poll = new BusyPoll({ budgetUs, now: () => now, schedule: (fn) => queue.push(fn) });
  return {
    poll,
    advance: (ms: number) => (now += ms),
    turn: () => queue.shift()?.(),
    pending: () => queue.length,
  };
}

describe('busy polling for ACKs', () => {
  it('polls for the whole budget after a window whose round trip is not known yet, then stops', () => {
    const m = manual(200);
    m.poll.expect(undefined);
    assert.equal(m.poll.polling, true);
    m.advance(0.15);
    m.turn();
    assert.equal(m.poll.polling, true, 'still within 0.2 ms');
    m.advance(0.06);
    m.turn();
    assert.equal(m.poll.polling, false);
    assert.equal(m.pending(), 0, 'no tick left behind');
    assert.ok(Math.abs(m.poll.totalMs - 0.21) < 1e-9);
  });

  it('polls two round trips of a fast client, and not at all for an ACK not expected within the budget', () => {
    const m = manual(200);
    m.poll.expect(0.03);
    m.advance(0.07);
    m.turn();
    assert.equal(m.poll.polling, false, 'two round trips of 0.03 ms are over');
    m.poll.expect(0.5);
    assert.equal(m.poll.polling, false, 'a seat 0.5 ms away is waited for asleep');
    assert.equal(m.pending(), 0);
  });

  it('serves several transfers with one chain of ticks, polling until the latest deadline', () => {
    const m = manual(200);
    m.poll.expect(0.05);
    m.poll.expect(undefined);
    assert.equal(m.pending(), 1);
    m.advance(0.15);
    m.turn();
    assert.equal(m.poll.polling, true, 'the second window asked for 0.2 ms');
    m.advance(0.1);
    m.turn();
    assert.equal(m.poll.polling, false);
  });

  it('never polls with a budget of 0', () => {
    const m = manual(0);
    m.poll.expect(undefined);
    assert.equal(m.poll.polling, false);
    assert.equal(m.pending(), 0);
  });
});

describe('TFTP server: busy polling', () => {
  let root: Awaited<ReturnType<typeof makeRoot>>;
  const servers: TftpServer[] = [];
  before(async () => {
    root = await makeRoot({ 'fw/a.img': 60 * 512 + 7 });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await root.cleanup();
  });
  const start = async (busyPollUs?: number) => {
    const s = await startServer({ root: root.root, ...(busyPollUs === undefined ? {} : { busyPollUs }) });
    servers.push(s.server);
    return s;
  };
  const idle = () => new Promise((r) => setTimeout(r, 30));

  it('polls while a quick client acknowledges, and stops once the transfer is over', async () => {
    const { server, port } = await start();
    const r = await download(port, 'fw/a.img');
    assert.equal(sha256(r.data), sha256(root.content.get('fw/a.img')!));
    await idle();
    const spent = server.stats().busyPollMs;
    assert.ok(spent > 0, 'the server polled for ACKs');
    await idle();
    assert.equal(server.stats().busyPollMs, spent, 'no polling goes on after the transfer');
  });

  it('does not poll for a slow seat: once its round trip is known to exceed the budget, the server sleeps', async () => {
    const { server, port } = await start();
    const r = await download(port, 'fw/a.img', { ackDelayMs: 3 });
    assert.equal(sha256(r.data), sha256(root.content.get('fw/a.img')!));
    await idle();
    // 62 round trips of over 3 ms: a poll of the whole budget after each would add up
    // to over 12 ms. Only the OACK, before any round trip was known, is polled for
    // (0.2 ms, and the time this loop takes to notice the budget is spent).
    assert.ok(server.stats().busyPollMs < 4, `polled ${server.stats().busyPollMs} ms`);
  });

  it('never polls with busyPollUs 0, and refuses a budget out of range', async () => {
    const { server, port } = await start(0);
    const r = await download(port, 'fw/a.img');
    assert.equal(sha256(r.data), sha256(root.content.get('fw/a.img')!));
    assert.equal(server.stats().busyPollMs, 0);
    await assert.rejects(start(10_001), /busyPollUs/);
  });
});
