import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commandsFeature } from '../../src/commands/feature.js';
import { firmwareFeature } from '../../src/firmware/feature.js';
import { paFeature } from '../../src/pa/feature.js';
import { panelFeature } from '../../src/panel/feature.js';
import { playPa } from '../../src/sim/pa-player.js';
import { postCommand, randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { scrape } from './scrape.js';

/** Polls `check` until it holds; the bound is only there so a broken controller fails instead of hanging. */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('/metrics beyond polls: commands, alerts, PA, rollouts', () => {
  let tc: TestController;
  let webRoot: string;
  let paPort: number;
  const auth = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
  const metric = async (name: string, labels?: Record<string, string>) => (await scrape(tc.url)).value(name, labels) ?? 0;

  before(async () => {
    // A page to serve, so the panel feature (the alert book's home) does not build one.
    webRoot = await mkdtemp(join(tmpdir(), 'purser-metrics-web-'));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>panel</title>');
    paPort = randomPort();
    tc = await startTestController(
      {
        api: { token: TEST_TOKEN },
        commands: { port: randomPort(), group: '239.255.10.1', deliveryTimeoutMs: 1000 },
        multicast: { interface: '127.0.0.1', ttl: 1 },
        tftp: { host: '127.0.0.1', port: 0 },
        pa: { hangoverMs: 400, sources: [{ name: 'flightdeck', group: '239.255.20.2', port: paPort }, { name: 'cabin', group: '239.255.20.1', port: paPort }] },
      },
      [commandsFeature(), firmwareFeature(), paFeature(), panelFeature({ webRoot })],
    );
  });
  after(async () => {
    await tc.stop();
    await rm(webRoot, { recursive: true, force: true });
  });

  it('exports every new family from the first scrape, at 0, in the Prometheus text format', async () => {
    const s = await scrape(tc.url);
    for (const kind of ['call', 'offline', 'fault', 'flapping', 'rollout']) assert.equal(s.value('purser_alerts_open', { kind }), 0, kind);
    assert.equal(s.value('purser_pa_active'), 0);
    assert.equal(s.value('purser_pa_sessions_total', { source: 'cabin' }), 0);
    for (const state of ['running', 'paused', 'halted']) assert.equal(s.value('purser_rollouts_active', { state }), 0);
    assert.equal(s.value('purser_rollout_seats_total', { outcome: 'updated' }), 0);
    assert.match(s.text, /^# TYPE purser_commands_sent_total counter$/m);
    assert.match(s.text, /^# HELP purser_pa_on_air_seconds_total /m);
  });

  it('counts commands sent, delivered, incomplete and expired, by type', async () => {
    const sent0 = await metric('purser_commands_sent_total', { type: 'seat.lock' });
    const delivered0 = await metric('purser_commands_delivered_total', { type: 'seat.lock' });
    await postPoll(tc.url, pollBody('5A'));
    await postPoll(tc.url, pollBody('5B'));
    const lock = await postCommand(tc.url, { target: { seats: ['5A', '5B'] }, cmd: 'seat.lock', args: { reason: 'medical' } });
    assert.equal(lock.status, 201, JSON.stringify(lock.body));
    const seq = lock.body.command!.seq;
    await postPoll(tc.url, pollBody('5A', { seq: 2, ackCmd: seq }));
    await postPoll(tc.url, pollBody('5B', { seq: 2, ackCmd: seq }));
    const s = await scrape(tc.url);
    assert.equal(s.value('purser_commands_sent_total', { type: 'seat.lock' }), sent0 + 1);
    assert.equal(s.value('purser_commands_delivered_total', { type: 'seat.lock' }), delivered0 + 1);
    assert.ok((s.value('purser_command_delivery_seconds_count', { type: 'seat.lock' }) ?? 0) >= 1, 'the delivery time is observed');

    // 7C never polls: the message is incomplete after the 1 s delivery timeout, and expired after its 1 s TTL.
    const msg = await fetch(`${tc.url}/api/v1/commands?ttlMs=1000`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ target: { seats: ['7C'] }, cmd: 'message.show', args: { text: 'Meal service', level: 'info' } }),
    });
    assert.equal(msg.status, 201, await msg.text());
    await until('the message to be counted incomplete and expired', async () => {
      const x = await scrape(tc.url);
      return x.value('purser_commands_incomplete_total', { type: 'message.show' }) === 1 && x.value('purser_commands_expired_total', { type: 'message.show' }) === 1;
    });
    const last = await scrape(tc.url);
    assert.equal(last.value('purser_commands_sent_total', { type: 'message.show' }), 1);
    assert.equal(last.value('purser_commands_delivered_total', { type: 'message.show' }), undefined, 'never delivered: no series yet');
  });

  it('counts alerts raised and acknowledged, and shows those open by kind', async () => {
    const raised0 = await metric('purser_alerts_raised_total', { kind: 'call' });
    await postPoll(tc.url, pollBody('12C', { inputs: { call: { on: true, sinceMs: 2000 } } }));
    const open = await scrape(tc.url);
    assert.equal(open.value('purser_alerts_raised_total', { kind: 'call' }), raised0 + 1);
    assert.equal(open.value('purser_alerts_open', { kind: 'call' }), 1);

    const list = (await (await fetch(`${tc.url}/api/v1/alerts`)).json()) as { alerts: { id: string; kind: string; seat: string }[] };
    const call = list.alerts.find((a) => a.kind === 'call' && a.seat === '12C')!;
    const ack = await fetch(`${tc.url}/api/v1/alerts/${call.id}/ack`, { method: 'POST', headers: { authorization: auth.authorization } });
    assert.equal(ack.status, 200);
    assert.equal(await metric('purser_alerts_acknowledged_total', { kind: 'call' }), 1);
    assert.equal(await metric('purser_alerts_open', { kind: 'call' }), 1, 'acknowledged is still open');

    await postPoll(tc.url, pollBody('12C', { seq: 2, inputs: { call: { on: false, sinceMs: 0 } } }));
    const closed = await scrape(tc.url);
    assert.equal(closed.value('purser_alerts_open', { kind: 'call' }), 0);
    assert.equal(closed.value('purser_alerts_closed_total', { kind: 'call', reason: 'resolved' }), 1);
  });

  it('counts a PA heard on the cabin group: a session, active while it lasts, its seconds on air', async () => {
    const voice = playPa({ group: '239.255.20.1', port: paPort, durationMs: 800 });
    const during = await until('the PA to be active', async () => {
      const s = await scrape(tc.url);
      return s.value('purser_pa_active') === 1 && s;
    });
    assert.equal(during.value('purser_pa_sessions_total', { source: 'cabin' }), 1);
    await voice.done;
    const afterwards = await until('the PA to end', async () => {
      const s = await scrape(tc.url);
      return s.value('purser_pa_active') === 0 && s;
    });
    const seconds = afterwards.value('purser_pa_on_air_seconds_total', { source: 'cabin' })!;
    // 0.8 s of voice and the 0.4 s hang-over, give or take a busy machine.
    assert.ok(seconds >= 0.8 && seconds < 10, `on air ${seconds} s`);
    assert.equal(afterwards.value('purser_pa_sessions_total', { source: 'cabin' }), 1);
    assert.equal(afterwards.value('purser_pa_sessions_total', { source: 'flightdeck' }), 0);
    assert.ok((afterwards.value('purser_commands_sent_total', { type: 'pa.begin' }) ?? 0) >= 1, 'the override went out as a command');
  });

  it('counts a rollout: a seat updated, a seat failed, the halt, and the open rollout by state', async () => {
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${tc.url}${path}`, { method, ...(body ? { headers: auth, body: JSON.stringify(body) } : { headers: { authorization: auth.authorization } }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const put = await fetch(`${tc.url}/api/v1/firmware/gp3/2.5.0`, { method: 'PUT', headers: { authorization: auth.authorization, 'content-type': 'application/octet-stream' }, body: new Uint8Array(randomBytes(4096)) });
    assert.equal(put.status, 201, await put.text());
    for (const seat of ['1A', '1B']) await postPoll(tc.url, pollBody(seat));
    const created = await api('POST', '/api/v1/rollouts', {
      model: 'gp3',
      version: '2.5.0',
      target: { seats: ['1A', '1B'] },
      canary: 1,
      batchSize: 1,
      errorThreshold: { percent: 0, seats: 0 },
      retries: 0,
      onGround: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = (created.body.rollout as { id: number }).id;
    assert.equal(await metric('purser_rollouts_active', { state: 'running' }), 1);
    const stateOf = async (seat: string) => ((await api('GET', `/api/v1/rollouts/${id}`)).body.rollout as { seats: { seat: string; state: string }[] }).seats.find((s) => s.seat === seat)!.state;

    // The canary comes back on a new boot running 2.5.0: updated.
    await postPoll(tc.url, pollBody('1A', { seq: 2, bootId: 'boot-2', lru: { serial: 'GP3-1A', model: 'gp3', firmware: '2.5.0', mac: '02:00:00:00:01:2c' } }));
    // Then 1B is told; as a seat does, it finds the command in its poll answer and reports the update failed: over the threshold of 0, the rollout halts.
    await until('1B to be told', async () => (await stateOf('1B')) === 'sent');
    const answer = await postPoll(tc.url, pollBody('1B', { seq: 2 }));
    const update = (answer.body.commands as { seq: number; cmd: string }[]).find((c) => c.cmd === 'firmware.update');
    assert.ok(update, JSON.stringify(answer.body.commands));
    await postPoll(tc.url, pollBody('1B', { seq: 3, ackCmd: update.seq, update: { state: 'failed', version: '2.5.0', error: 'flash write error' } }));
    const halted = await until('the rollout to halt', async () => {
      const s = await scrape(tc.url);
      return s.value('purser_rollouts_halted_total') === 1 && s;
    });
    assert.equal(halted.value('purser_rollout_seats_total', { outcome: 'updated' }), 1);
    assert.equal(halted.value('purser_rollout_seats_total', { outcome: 'failed' }), 1);
    assert.equal(halted.value('purser_rollouts_active', { state: 'halted' }), 1);
    assert.equal(halted.value('purser_rollouts_active', { state: 'running' }), 0);
    assert.equal(halted.value('purser_alerts_open', { kind: 'rollout' }), 1, 'the halt is an alert for the crew');

    assert.equal((await api('POST', `/api/v1/rollouts/${id}/cancel`)).status, 200);
    assert.equal(await metric('purser_rollouts_active', { state: 'halted' }), 0, 'a cancelled rollout is no longer open');
  });
});
