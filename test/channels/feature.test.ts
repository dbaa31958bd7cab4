import assert from 'node:assert/strict';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Entity } from '../../src/contract/entities.js';
import type { CabinEvent } from '../../src/contract/events.js';
import { channelsFeature } from '../../src/channels/feature.js';
import { makeTestClip } from '../../src/channels/test-clips.js';
import type { SafetyStatus } from '../../src/channels/safety-video.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { Simulator } from '../../src/sim/simulator.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { readableTempDir, alive } from './helpers.js';

// The real VLC in a real controller, simulated seats receiving its TS.
// This file owns 239.255.32.1-3 and 239.255.32.10 (port 5000).
const G = { news: '239.255.32.1:5000', films: '239.255.32.2:5000', later: '239.255.32.3:5000', safety: '239.255.32.10:5000' };
const SEATS = 6;

let tmp: Awaited<ReturnType<typeof readableTempDir>>;
let tc: TestController;
let sim: Simulator;
const events: CabinEvent[] = [];

async function until<T>(what: string, ms: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const entity = (id: string): Entity | undefined => tc.controller.ctx.entities.get(id);
const api = async (method: string, path: string, body?: unknown, token: string | null = TEST_TOKEN) => {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${tc.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};
const safetyStatus = async (): Promise<SafetyStatus> => (await api('GET', '/api/v1/safety')).body.safety as SafetyStatus;
const seatsReporting = (state: string, item: string | null) =>
  tc.controller.ctx.registry.all().filter((s) => s.status === 'online' && s.media?.state === state && (item === undefined || s.media?.item === item)).length;

before(async () => {
  tmp = await readableTempDir('purser-channels-feature-');
  const clips = join(tmp.dir, 'clips');
  const news = await makeTestClip({ dir: clips, seconds: 3, toneHz: 440 });
  const films = await makeTestClip({ dir: clips, seconds: 3, toneHz: 660, format: 'mp4' });
  const safety = await makeTestClip({ dir: clips, seconds: 7, toneHz: 880, name: 'safety' });
  await chmod(clips, 0o755);
  const cmdPort = randomPort();
  tc = await startTestController(
    {
      api: { token: TEST_TOKEN },
      cabin: { secret: TEST_SECRET, layout: { rows: 1, letters: 'ABC DEF', zones: { J: '1-1' } } },
      commands: { port: cmdPort, group: '239.255.10.1' },
      multicast: { interface: '127.0.0.1', ttl: 1 },
      vlc: { user: 'nobody', interface: '127.0.0.1' },
      channels: [
        { id: 'news', name: 'News', source: news, group: G.news },
        { id: 'films', name: 'Films', source: films, group: G.films },
        { id: 'later', name: 'Later', source: join(clips, 'not-there.ts'), group: G.later },
      ],
      safety: { source: safety, group: G.safety },
    },
    [commandsFeature(), channelsFeature()],
  );
  tc.controller.ctx.bus.events$.subscribe((e) => events.push(e));
  sim = new Simulator({ controller: tc.url, secret: Buffer.from(TEST_SECRET, 'hex'), seats: SEATS, pollIntervalMs: 300, commands: { port: cmdPort, group: '239.255.10.1', interface: '127.0.0.1' } });
  sim.start();
  await sim.joined();
});

after(async () => {
  await sim?.stop();
  await tc?.stop();
  await tmp?.cleanup();
});

describe('channels feature with the real VLC', () => {
  it('puts the channels on air as entities; a missing source is source-missing and health degraded', async () => {
    await until('news and films on air', 20_000, () => entity('channel:news')?.state === 'on-air' && entity('channel:films')?.state === 'on-air');
    assert.equal(entity('channel:later')?.state, 'source-missing');
    const news = entity('channel:news')!;
    assert.equal(news.kind, 'channel');
    assert.equal(news.attributes.sawPat, true);
    assert.ok((news.attributes.packets as number) > 0);
    const health = tc.controller.ctx.health().channels!;
    assert.equal(health.state, 'degraded');
    assert.match(health.detail ?? '', /later \(source-missing\)/);
    assert.equal(entity('safety:safety')?.state, 'idle');
    const list = (await api('GET', '/api/v1/channels')).body;
    assert.deepEqual(list.channels.map((c: { id: string }) => c.id), ['news', 'films', 'later']);
    // The same on /metrics, for the technician's dashboards: packets heard, continuity errors, on air.
    const metrics = await (await fetch(`${tc.url}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    const value = (name: string, channel: string) => Number(new RegExp(`^${name}\\{channel="${channel}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    assert.ok(value('purser_channel_ts_packets_total', 'news') > 0, 'news packets on /metrics');
    assert.equal(value('purser_channel_ts_packets_total', 'later'), 0);
    assert.equal(value('purser_channel_on_air', 'news'), 1);
    assert.equal(value('purser_channel_on_air', 'later'), 0);
    assert.equal(value('purser_channel_on_air', 'safety'), 0, 'the safety video is not playing');
    assert.ok(Number.isFinite(value('purser_channel_ts_continuity_errors_total', 'news')));
  });

  it('crew play: every seat gets safety.play and receives the safety TS; its end releases them', async () => {
    await until('every seat online', 10_000, () => tc.controller.ctx.registry.all().filter((s) => s.status === 'online').length === SEATS);
    const res = await api('POST', '/api/v1/safety/play', {});
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.safety.state, 'playing');
    const seq = res.body.safety.delivery.seq as number;
    assert.equal(res.body.safety.delivery.targeted, SEATS);
    // Seats report "safety" with the item only once the TS really arrives (PAT+PMT, packets lately).
    await until('every seat reporting the safety video from its stream', 10_000, () => seatsReporting('safety', 'safety') === SEATS);
    const group = sim.stats().ts!.groups.find((g) => g.group === G.safety)!;
    assert.equal(group.seats, SEATS, 'one shared socket serves every seat');
    assert.ok(group.packets > 50, `packets ${group.packets}`);
    assert.equal(group.syncErrors, 0);
    assert.equal(group.sawPat && group.sawPmt, true);
    for (const p of sim.players) assert.ok(sim.channelReceiver!.firstPacket(p.seat), `${p.seat} got a first packet`);
    const st = await until('delivery to every seat', 10_000, async () => {
      const s = await safetyStatus();
      return s.delivery && s.delivery.acked === SEATS && s.delivery.watching === SEATS ? s : undefined;
    });
    assert.equal(st.delivery!.seq, seq);
    assert.equal(entity('safety:safety')?.state, 'playing');

    // The 7 s clip ends by itself (VLC streams ~5 s of it): the end releases every seat.
    const ended = await until('safety.ended', 15_000, () => events.find((e) => e.type === 'safety.ended'));
    assert.equal(ended.type === 'safety.ended' && ended.reason, 'finished');
    const release = events.find((e) => e.type === 'command.sent' && e.cmd === 'channel.release');
    assert.ok(release, 'channel.release sent');
    await until('every seat released', 10_000, () => tc.controller.ctx.registry.all().every((s) => s.media?.state !== 'safety') && sim.players.every((p) => p.model.channel === null));
    assert.equal((await safetyStatus()).state, 'idle');
    assert.equal(sim.stats().ts!.groups.find((g) => g.group === G.safety), undefined, 'the group was left with the last seat');
  });

  it('a PA pauses it in VLC (position holds) and it resumes where it stopped; crew stop releases the seats', async () => {
    events.length = 0;
    assert.equal((await api('POST', '/api/v1/safety/play')).status, 200);
    await until('safety on air', 8000, async () => (await safetyStatus()).onAir && (await safetyStatus()).position! > 0.05);
    tc.controller.ctx.bus.publish({ type: 'pa.started', seat: null, at: Date.now(), source: 'cabin' });
    const paused = await until('paused', 3000, async () => { const s = await safetyStatus(); return s.pausedFor === 'cabin' && s; });
    assert.equal(entity('safety:safety')?.state, 'paused');
    assert.ok(events.some((e) => e.type === 'safety.paused'));
    await new Promise((r) => setTimeout(r, 1500));
    const a = (await safetyStatus()).position!;
    await new Promise((r) => setTimeout(r, 1200));
    const b = (await safetyStatus()).position!;
    assert.ok(Math.abs(b - a) < 0.02, `position held during the PA: ${a} -> ${b}`);
    assert.equal((await safetyStatus()).state, 'paused');
    tc.controller.ctx.bus.publish({ type: 'pa.stopped', seat: null, at: Date.now(), source: 'cabin' });
    await until('resumed', 3000, async () => (await safetyStatus()).pausedFor === null && entity('safety:safety')?.state === 'playing');
    const c = await until('position moving again', 5000, async () => { const p = (await safetyStatus()).position!; return p > b + 0.02 && p; });
    assert.ok(c < b + 0.5, `resumed near where it stopped (${b} -> ${c}), not from the start`);
    assert.ok(paused.position !== null);

    const stop = await api('POST', '/api/v1/safety/stop', {});
    assert.equal(stop.status, 200);
    assert.equal(stop.body.safety.state, 'idle');
    const ended = events.find((e) => e.type === 'safety.ended');
    assert.equal(ended?.type === 'safety.ended' && ended.reason, 'stopped');
    await until('every seat released', 10_000, () => sim.players.every((p) => p.model.channel === null));
  });

  it('crew impose a channel on a seat and on a zone and release it; seats receive its TS meanwhile', async () => {
    const seat = sim.players[0]!.seat;
    const playsNews = (id: string) => tc.controller.ctx.registry.get(id)?.media?.state === 'playing' && tc.controller.ctx.registry.get(id)?.media?.item === 'news';
    const res = await api('POST', '/api/v1/channels/news/impose', { target: { seats: [seat] } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await until('the seat plays news from its stream', 8000, () => playsNews(seat));
    assert.ok(events.some((e) => e.type === 'channel.imposed'));
    assert.equal((await api('POST', '/api/v1/channels/news/release', { target: { seats: [seat] } })).status, 201);
    await until('released', 8000, () => sim.players[0]!.model.channel === null);
    // The whole zone of those seats: every one of them, and only while imposed.
    const zone = tc.controller.layout.byId.get(seat)!.zone;
    const inZone = sim.players.filter((p) => tc.controller.layout.byId.get(p.seat)!.zone === zone);
    assert.ok(inZone.length > 1, 'several simulated seats in the zone');
    assert.equal((await api('POST', '/api/v1/channels/news/impose', { target: { zones: [zone] } })).status, 201);
    await until(`every seat of zone ${zone} plays news`, 8000, () => inZone.every((p) => playsNews(p.seat)));
    assert.equal((await api('POST', '/api/v1/channels/news/release', { target: { zones: [zone] } })).status, 201);
    await until('the zone released', 8000, () => inZone.every((p) => p.model.channel === null));
  });

  it('refuses bad bodies, unknown channels and anonymous callers with clear errors', async () => {
    const notObject = await api('POST', '/api/v1/safety/play', 'play');
    assert.equal(notObject.status, 400);
    assert.ok(notObject.body.error.message, 'a message');
    assert.equal((await api('POST', '/api/v1/safety/play', {}, null)).status, 401);
    const noTarget = await api('POST', '/api/v1/channels/news/impose', {});
    assert.equal(noTarget.status, 400);
    const badSeat = await api('POST', '/api/v1/channels/news/impose', { target: { seats: ['99Z'] } });
    assert.equal(badSeat.status, 400);
    assert.match(badSeat.body.error.field ?? '', /target/);
    const two = await api('POST', '/api/v1/channels/news/impose', { target: { all: true, zones: ['J'] } });
    assert.equal(two.status, 400);
    const unknown = await api('POST', '/api/v1/channels/nope/impose', { target: { all: true } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'UNKNOWN_CHANNEL');
    assert.equal((await api('POST', '/api/v1/channels/safety/impose', { target: { all: true } })).body.error.code, 'USE_SAFETY_API');
    const proto = await api('POST', '/api/v1/channels/__proto__/release', { target: { all: true } });
    assert.equal(proto.status, 404);
  });

  it('CLI: purser safety play shows delivery until every seat receives it; and stop', async () => {
    const cli = (...args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'safety', ...args, '--controller', tc.url], { env: { ...process.env, PURSER_TOKEN: TEST_TOKEN } });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('exit', (code) => resolve({ code, out, err }));
      });
    const play = await cli('play', '--timeout', '15');
    assert.equal(play.code, 0, play.out + play.err);
    assert.match(play.out, new RegExp(`seats: ${SEATS}/${SEATS} acknowledged, ${SEATS} receiving`));
    assert.match(play.out, /safety video "Safety video" \(239\.255\.32\.10:5000\): playing/);
    const stop = await cli('stop');
    assert.equal(stop.code, 0);
    assert.match(stop.out, /: idle/);
    const status = await cli('status');
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /safety video "Safety video" \(239\.255\.32\.10:5000\): idle/);
    const json = await cli('status', '--json');
    assert.equal((JSON.parse(json.out) as { state: string }).state, 'idle');
    await until('every seat released', 10_000, () => sim.players.every((p) => p.model.channel === null));
  });

  it('VLC SIGKILLed: every channel is back on air by itself', async () => {
    const before = tc.controller.ctx.entities.get('channel:news')!;
    const vlc = tc.controller.ctx.find('channels')!.vlc()!;
    assert.ok(vlc.pid && alive(vlc.pid));
    process.kill(-vlc.pid, 'SIGKILL');
    await until('news not on air', 5000, () => entity('channel:news')?.state !== 'on-air');
    const t0 = Date.now();
    await until('news and films on air again', 20_000, () => entity('channel:news')?.state === 'on-air' && entity('channel:films')?.state === 'on-air');
    assert.ok(tc.controller.ctx.find('channels')!.vlc()!.restarts >= 1);
    assert.ok(Date.now() - t0 < 15_000);
    assert.ok(events.some((e) => e.type === 'channel.state' && e.channel === 'news' && e.previous === 'on-air'));
    assert.notEqual(before.changedAt, entity('channel:news')!.changedAt);
  });
});
