import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postPoll, pollBody } from '../helpers/poll.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { scrapeMetrics } from '../../bench/lib/prometheus.js';
import { idleResponder, type PollResponder } from '../../src/cabin/poll-responder.js';

/** The poll route's answer parts, swappable by a test: a feature that provides the responder capability. */
let answer: PollResponder = idleResponder;
const swappableBook = { name: 'test-book', setup: () => ({ provides: { pollResponder: { respond: (...a: Parameters<PollResponder['respond']>) => answer.respond(...a) } } }) };

describe('POST /seat/v1/poll', () => {
  let tc: TestController;
  before(async () => {
    tc = await startTestController({}, [swappableBook]);
  });
  after(() => tc.stop());

  it('accepts a signed poll and answers serverAt, interval, desired and commands', async () => {
    const t0 = Date.now();
    const { status, body } = await postPoll(tc.url, pollBody('12A'));
    assert.equal(status, 200);
    assert.ok(body.serverAt >= t0 && body.serverAt <= Date.now());
    assert.equal(body.pollIntervalMs, 1000);
    assert.deepEqual(body.desired, { paOverride: null, locked: false, channel: null, message: null, volumeCap: 10 });
    assert.deepEqual(body.commands, []);
    assert.equal(tc.controller.ctx.registry.get('12A')?.status, 'online');
  });

  it('refuses a bad signature with 401 and stores nothing', async () => {
    const { status, body } = await postPoll(tc.url, pollBody('3C', { seq: 5 }), { signature: 'ab'.repeat(32) });
    assert.equal(status, 401);
    assert.equal(body.error?.code, 'BAD_SIGNATURE');
    assert.equal(tc.controller.ctx.registry.get('3C')?.lastPollAt, null);
  });

  it('refuses a poll signed with another LRU key (a seat speaking for another)', async () => {
    const { status } = await postPoll(tc.url, pollBody('3D'), { serial: 'GP3-OTHER' });
    assert.equal(status, 401);
  });

  it('refuses a missing signature with 401 MISSING_SIGNATURE', async () => {
    const { status, body } = await postPoll(tc.url, pollBody('3C'), { signature: null });
    assert.equal(status, 401);
    assert.equal(body.error?.code, 'MISSING_SIGNATURE');
  });

  it('refuses invalid JSON with 400 BAD_JSON', async () => {
    const { status, body } = await postPoll(tc.url, '{"seat": "12A",', { serial: 'X' });
    assert.equal(status, 400);
    assert.equal(body.error?.code, 'BAD_JSON');
  });

  it('names the offending field of a body of the wrong shape', async () => {
    const bad = { ...pollBody('12A'), media: { state: 'dancing' } };
    const { status, body } = await postPoll(tc.url, bad as never);
    assert.equal(status, 400);
    assert.equal(body.error?.code, 'INVALID_BODY');
    assert.equal(body.error?.field, 'media.state');
    const missing = pollBody('12A') as unknown as Record<string, unknown>;
    delete missing.bootId;
    const r2 = await postPoll(tc.url, missing as never);
    assert.equal(r2.body.error?.field, 'bootId');
  });

  it('refuses a seat outside the layout with 400 UNKNOWN_SEAT', async () => {
    const { status, body } = await postPoll(tc.url, pollBody('99Z'));
    assert.equal(status, 400);
    assert.equal(body.error?.code, 'UNKNOWN_SEAT');
  });

  it('refuses a body over 16 KiB with 413', async () => {
    const big = pollBody('12A', { media: { state: 'playing', item: 'x'.repeat(100) } }) as unknown as Record<string, unknown>;
    big.padding = 'x'.repeat(17 * 1024);
    const { status, body } = await postPoll(tc.url, big as never);
    assert.equal(status, 413);
    assert.equal(body.error?.code, 'BODY_TOO_LARGE');
  });

  it('refuses a non-JSON content type with 415', async () => {
    const res = await fetch(`${tc.url}/seat/v1/poll`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('measures the seat clock skew', async () => {
    await postPoll(tc.url, pollBody('20B', { clockAt: Date.now() + 60_000 }));
    const skew = tc.controller.ctx.registry.get('20B')?.skewMs ?? 0;
    assert.ok(skew > 59_000 && skew < 61_000, `skew ${skew}`);
  });

  it('answers commands and desired state whole: the response schema drops no field, however nested or new', async () => {
    const command = {
      seq: 41,
      cmd: 'future.thing',
      at: 1_763_800_000_000,
      expiresAt: 1_763_800_060_000,
      target: { seats: ['14C'], zones: null },
      args: { text: 'héllo "quoted"\n', level: 3.5, on: false, none: null, list: [1, 'two', { three: [3] }], deep: { a: { b: { c: 'd' } } } },
      extra: 'a field v1 does not know',
    };
    const desired = {
      paOverride: { source: 'cockpit', group: '239.255.20.1:5004', priority: 1 },
      locked: true,
      channel: { channel: 'news', group: '239.255.30.1:5004', safety: true, language: 'fr' },
      message: null,
      volumeCap: 7,
      brightness: 0.5,
    };
    answer = { respond: () => ({ desired: structuredClone(desired), commands: [structuredClone(command), 'a bare string', 12] }) };
    try {
      const { status, body } = await postPoll(tc.url, pollBody('14C'));
      assert.equal(status, 200);
      assert.deepEqual(body.commands, [command, 'a bare string', 12]);
      assert.deepEqual(body.desired, desired);
      assert.equal(body.zone, 'Y');
    } finally {
      answer = idleResponder;
    }
  });

  it('counts every poll by outcome and its duration on /metrics, whatever the batch', async () => {
    const series = ['purser_seat_polls_total{outcome="ok"}', 'purser_seat_polls_total{outcome="unauthorized"}', 'purser_seat_poll_duration_seconds_count'];
    const read = async () => {
      const m = await scrapeMetrics(tc.url);
      return series.map((k) => m.get(k) ?? 0);
    };
    const [ok0, unauth0, n0] = await read();
    for (let i = 1; i <= 300; i++) await postPoll(tc.url, pollBody('40A', { seq: 100 + i }));
    await postPoll(tc.url, pollBody('40B'), { signature: '00'.repeat(32) });
    const [ok1, unauth1, n1] = await read();
    assert.deepEqual([ok1! - ok0!, unauth1! - unauth0!, n1! - n0!], [300, 1, 300]);
  });
});
