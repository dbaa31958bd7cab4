import assert from 'node:assert/strict';
import { copyFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ChannelManager, type ChannelEntity, type SafetyEnded } from '../../src/channels/channel-manager.js';
import { makeTestClip } from '../../src/channels/test-clips.js';
import { VlcProcess } from '../../src/channels/vlc-process.js';
import { readableTempDir, testLog, waitFor } from './helpers.js';

// Real VLC streaming to multicast on lo. This file owns 239.255.31.1-4 (port 5000).
let tmp: Awaited<ReturnType<typeof readableTempDir>>;
let vlc: VlcProcess;
let manager: ChannelManager;
let missingPath = '';
let clipA = '';
const ended: SafetyEnded[] = [];

const byId = (list: ChannelEntity[], id: string): ChannelEntity => list.find((c) => c.id === id)!;
const allOnAir = (ids: string[]) => (list: ChannelEntity[]) => ids.every((id) => byId(list, id).state === 'on-air');

before(async () => {
  tmp = await readableTempDir('purser-channels-');
  const clips = join(tmp.dir, 'clips');
  clipA = await makeTestClip({ dir: clips, seconds: 3, toneHz: 440 });
  const clipB = await makeTestClip({ dir: clips, seconds: 3, toneHz: 660, format: 'mp4' });
  const safety = await makeTestClip({ dir: clips, seconds: 4, toneHz: 880, name: 'safety' });
  await chmod(clips, 0o755);
  missingPath = join(clips, 'not-yet.ts');
  vlc = new VlcProcess({ homeDir: join(tmp.dir, 'home'), miface: 'lo', ttl: 1, backoff: { initialMs: 200, maxMs: 1000 }, healthIntervalMs: 1000, log: testLog });
  manager = new ChannelManager({
    vlc,
    channels: [
      { id: 'news', name: 'News', source: clipA, group: '239.255.31.1:5000' },
      { id: 'films', name: 'Films', source: clipB, group: '239.255.31.2:5000' },
      { id: 'later', name: 'Later', source: missingPath, group: '239.255.31.3:5000' },
    ],
    safety: { id: 'safety', name: 'Safety video', source: safety, group: '239.255.31.4:5000' },
    pollIntervalMs: 300,
    heardWithinMs: 1500,
    log: testLog,
  });
  manager.safetyEnded$.subscribe((e) => ended.push(e));
  await manager.start();
  await vlc.start();
});

after(async () => {
  await manager.stop();
  await vlc.stop();
  await tmp.cleanup();
});

test('channels go on air with real MPEG-TS (PAT, PMT) heard on their groups; a missing file is source-missing', async () => {
  const list = await waitFor(manager.channels$, allOnAir(['news', 'films']), 15_000, 'news and films on air');
  for (const id of ['news', 'films']) {
    const a = byId(list, id).attributes;
    assert.ok(a.packets > 0);
    assert.equal(a.sawPat, true, `${id} PAT`);
    assert.equal(a.sawPmt, true, `${id} PMT`);
    assert.equal(a.vlm, 'playing');
  }
  assert.equal(byId(list, 'later').state, 'source-missing');
  assert.equal(byId(list, 'later').attributes.packets, 0);
  assert.equal(manager.safety.state, 'idle');
  assert.equal(manager.safety.attributes.packets, 0, 'the safety video is not streamed until asked');
});

test('a dropped telnet connection is logged in again: VLC not restarted, no channel leaves the air, the safety video keeps its place', async () => {
  await waitFor(manager.channels$, allOnAir(['news', 'films']), 15_000, 'news and films on air');
  await manager.playSafety();
  await waitFor(manager.safety$, (s) => s.state === 'playing' && (s.attributes.position ?? 0) > 0.1, 8_000, 'safety playing');
  await manager.pauseSafety();
  await waitFor(manager.safety$, (s) => s.attributes.vlm === 'paused', 3_000, 'paused in VLM');
  const pausedAt = manager.safety.attributes.position!;
  const { pid, restarts } = vlc.status;
  const offAir: string[] = [];
  const sub = manager.channels$.subscribe((l) => {
    for (const id of ['news', 'films']) if (byId(l, id).state !== 'on-air') offAir.push(`${id}:${byId(l, id).state}`);
  });
  const old = vlc.client!;
  old.close(); // the connection goes; VLC does not
  await waitFor(vlc.client$, (c) => c !== null && c !== old && !c.isClosed, 5_000, 'logged in again');
  // A couple of VLM polls on the new connection.
  await new Promise((r) => setTimeout(r, 1000));
  sub.unsubscribe();
  assert.equal(vlc.status.pid, pid, 'the same VLC');
  assert.equal(vlc.status.restarts, restarts, 'not restarted');
  assert.equal(vlc.reconnects, 1);
  assert.deepEqual(offAir, [], 'no channel left the air');
  const safety = manager.safety;
  assert.equal(safety.attributes.vlm, 'paused', 'still paused where the crew paused it');
  assert.ok(Math.abs(safety.attributes.position! - pausedAt) < 0.02, `kept its place: ${safety.attributes.position} vs ${pausedAt}`);
  await manager.stopSafety();
});

test('VLC killed with SIGKILL: every channel comes back on air by itself', async () => {
  const { pid } = vlc.status;
  process.kill(pid!, 'SIGKILL');
  await waitFor(manager.channels$, (l) => byId(l, 'news').state !== 'on-air', 5_000, 'news off air');
  const t0 = performance.now();
  await waitFor(manager.channels$, allOnAir(['news', 'films']), 15_000, 'back on air');
  assert.notEqual(vlc.status.pid, pid);
  assert.ok(performance.now() - t0 < 15_000);
  assert.equal(byId(manager.channels, 'later').state, 'source-missing');
});

test('a source that appears is set up and goes on air without touching the others', async () => {
  await copyFile(clipA, missingPath);
  await chmod(missingPath, 0o644);
  await waitFor(manager.channels$, allOnAir(['news', 'films', 'later']), 15_000, 'later on air');
});

test('the safety video plays from the start, pauses, resumes where it stopped, and its end is reported', async () => {
  await manager.playSafety();
  const playing = await waitFor(manager.safety$, (s) => s.state === 'playing' && s.attributes.onAir && (s.attributes.position ?? 0) > 0.1, 8_000, 'safety on air');
  assert.ok(playing.attributes.position! < 0.6, `starts near the beginning, at ${playing.attributes.position}`);
  await manager.pauseSafety();
  await waitFor(manager.safety$, (s) => s.state === 'paused' && s.attributes.vlm === 'paused', 3_000, 'paused in VLM');
  const pausedAt = manager.safety.attributes.position!;
  await new Promise((r) => setTimeout(r, 1000));
  assert.ok(Math.abs(manager.safety.attributes.position! - pausedAt) < 0.02, 'the position holds while paused');
  await manager.resumeSafety();
  const resumed = await waitFor(manager.safety$, (s) => s.attributes.vlm === 'playing' && s.attributes.position !== undefined, 3_000, 'playing again');
  assert.ok(resumed.attributes.position! >= pausedAt - 0.02, `resumed at ${resumed.attributes.position}, paused at ${pausedAt}`);
  const end = await waitFor(manager.safetyEnded$, () => true, 10_000, 'safety end');
  assert.equal(end.id, 'safety');
  assert.ok((end.lastPosition ?? 0) > pausedAt);
  assert.equal(manager.safety.state, 'idle');
  assert.equal(ended.length, 1);
});

test('playing the safety video again starts it from the beginning, stopping it reports no end', async () => {
  await manager.playSafety();
  const s = await waitFor(manager.safety$, (x) => x.attributes.vlm === 'playing' && x.attributes.position !== undefined, 5_000, 'playing');
  assert.ok(s.attributes.position! < 0.5);
  await manager.stopSafety();
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(manager.safety.state, 'idle');
  assert.equal(ended.length, 1);
  assert.deepEqual(manager.channels.map((c) => c.state), ['on-air', 'on-air', 'on-air']);
});
