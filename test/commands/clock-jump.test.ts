import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import { CommandBook } from '../../src/commands/command-book.js';
import { DeliveryTracker } from '../../src/commands/delivery.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { buildLayout, DEFAULT_LAYOUT } from '../../src/config/layout.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { postCommand, randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { FakeClock } from './fake-clock.js';

const H3 = 3 * 3600_000;
const layout = buildLayout(DEFAULT_LAYOUT);

describe('a wall-clock jump mid-delivery (unit)', () => {
  for (const jump of [H3, -H3]) {
    it(`wall ${jump > 0 ? '+' : '-'}3 h: incomplete exactly at the monotonic deadline, live in polls until the monotonic expiry`, () => {
      const clock = new FakeClock(50_000, 1_700_000_000_000);
      const tracker = new DeliveryTracker(15_000, clock);
      const book = new CommandBook(layout, undefined, clock);
      const at = clock.wall();
      const c = { seq: 1, at, expiresAt: at + 60_000, target: { seats: ['1A', '1B'] }, cmd: 'seat.lock', args: { reason: 'x' } } as CommandBody;
      book.add(c);
      tracker.track(c, 't', ['1A', '1B'], () => 0);
      clock.advance(5_000);
      tracker.ack('1A', 1);
      clock.jumpWall(jump);
      clock.advance(9_999);
      book.prune();
      assert.deepEqual(tracker.tick(), [], 'not incomplete before 15 s of real time');
      assert.equal(tracker.status(1, () => true)?.state, 'pending');
      assert.equal(book.respond(layout.byId.get('1B')!, 0).commands.length, 1, 'still carried in poll answers');
      assert.equal(book.respond(layout.byId.get('1B')!, 0).desired.locked, true);
      clock.advance(2);
      assert.deepEqual(tracker.tick().map((x) => x.kind), ['incomplete'], 'reported once 15 s have passed, whatever the wall says');
      clock.advance(60_000 - 15_001 - 1);
      book.prune();
      assert.equal(book.respond(layout.byId.get('1B')!, 0).commands.length, 1, 'not expired before its 60 s');
      clock.advance(2);
      book.prune();
      tracker.tick();
      assert.equal(book.respond(layout.byId.get('1B')!, 0).commands.length, 0, 'expired after 60 s of real time');
      assert.equal(tracker.status(1, () => true)?.state, 'expired');
    });
  }

  it('a tuned channel lasts its TTL in monotonic time, not until the wall reaches expiresAt', () => {
    const clock = new FakeClock(0, 1_700_000_000_000);
    const book = new CommandBook(layout, undefined, clock);
    const at = clock.wall();
    book.add({ seq: 1, at, expiresAt: at + 60_000, target: { all: true }, cmd: 'channel.tune', args: { channel: 'news', group: '239.255.30.1:5000' } } as CommandBody);
    clock.jumpWall(-H3);
    clock.advance(60_001);
    assert.equal(book.desiredFor('1A').channel, null, 'over after 60 s though the wall is 3 h behind');
  });
});

describe('a wall-clock jump mid-delivery (controller)', () => {
  let tc: TestController;
  const clock = new FakeClock(performance.now(), Date.now());
  before(async () => {
    tc = await startTestController(
      { api: { token: TEST_TOKEN }, commands: { port: randomPort(), group: '239.255.10.1', deliveryTimeoutMs: 15_000 }, multicast: { interface: '127.0.0.1', ttl: 1 } },
      [commandsFeature({ clock })],
    );
  });
  after(() => tc.stop());

  const tick = () => new Promise((r) => setTimeout(r, 600)); // a few of the service's 250 ms ticks
  const statusOf = async (seq: number) => (await (await fetch(`${tc.url}/api/v1/commands/${seq}`)).json()) as { state: string; acked: number };

  for (const jump of [H3, -H3]) {
    it(`wall ${jump > 0 ? '+' : '-'}3 h: the API reports incomplete neither early nor never`, async () => {
      const r = await postCommand(tc.url, { target: { seats: ['20A', '20B'] }, cmd: 'seat.lock', args: { reason: 'jump' } });
      assert.equal(r.status, 201);
      const seq = r.body.command!.seq;
      await postPoll(tc.url, pollBody('20A', { bootId: `b${seq}`, ackCmd: seq }));
      clock.jumpWall(jump);
      clock.advance(10_000);
      await tick();
      assert.equal((await statusOf(seq)).state, 'pending', 'not incomplete after 10 s of real time');
      const p = await postPoll(tc.url, pollBody('20B', { bootId: `b${seq}`, ackCmd: 0 }));
      assert.ok((p.body.commands as CommandBody[]).some((c) => c.seq === seq), 'still offered to the seat that has not acknowledged');
      clock.advance(5_001);
      await tick();
      const s = await statusOf(seq);
      assert.deepEqual([s.state, s.acked], ['incomplete', 1]);
    });
  }
});
