import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstValueFrom, takeUntil, timer, toArray } from 'rxjs';
import { dbfs } from '../../protocols/rtp/level.js';
import { RtpMulticastReceiver, type RtpAudioDatagram } from '../../protocols/rtp/multicast-receiver.js';
import { playPa, voiceSignal } from '../../src/sim/pa-player.js';

const GROUP = '239.255.20.21';

async function listen(): Promise<RtpMulticastReceiver> {
  const r = new RtpMulticastReceiver({
    source: 'cabin', group: GROUP, port: 0, interfaceAddress: '127.0.0.1', l16PayloadTypes: new Set([96]), log: { warn: () => {} },
  });
  await r.open();
  return r;
}

/** Everything the receiver gets until the playback is done (plus a little for the last packet in flight). */
async function capture(r: RtpMulticastReceiver, done: Promise<unknown>): Promise<RtpAudioDatagram[]> {
  const all = firstValueFrom(r.datagrams$.pipe(takeUntil(timer(60_000)), toArray()));
  await done;
  await new Promise((resolve) => setTimeout(resolve, 100));
  await r.close();
  return all;
}

function packets(datagrams: RtpAudioDatagram[]) {
  return datagrams.map((d) => {
    assert.ok(d.result.ok, d.result.ok ? '' : d.result.reason);
    return { ...d.result.packet, levelDbfs: d.result.levelDbfs, receivedAt: d.receivedAt };
  });
}

test('plays a voice as L16 48 kHz RTP: 20 ms packets in sequence, paced in real time', async () => {
  const r = await listen();
  const playback = playPa({ group: GROUP, port: r.port, durationMs: 1000 });
  const got = packets(await capture(r, playback.done));
  assert.equal(got.length, 50);
  for (const [i, p] of got.entries()) {
    assert.equal(p.payloadType, 96);
    assert.equal(p.payload.length, 960 * 2);
    assert.equal(p.marker, i === 0);
    assert.equal(p.ssrc, got[0]!.ssrc);
    assert.equal(p.sequence, (got[0]!.sequence + i) & 0xffff);
    assert.equal(p.timestamp, (got[0]!.timestamp + 960 * i) >>> 0);
  }
  const span = got.at(-1)!.receivedAt - got[0]!.receivedAt;
  assert.ok(span > 900 && span < 2000, `49 intervals took ${span} ms`);
  const firstAudible = got.find((p) => p.levelDbfs >= -45)!;
  assert.ok(playback.firstAudibleAt !== null && playback.firstAudibleAt <= firstAudible.receivedAt);
});

test('plays PCMU 8 kHz on payload type 0', async () => {
  const r = await listen();
  const playback = playPa({ group: GROUP, port: r.port, durationMs: 200, codec: 'PCMU' });
  const got = packets(await capture(r, playback.done));
  assert.equal(got.length, 10);
  assert.ok(got.every((p) => p.payloadType === 0 && p.payload.length === 160));
  assert.equal(got[1]!.timestamp - got[0]!.timestamp, 160);
  assert.ok(got.some((p) => p.levelDbfs >= -45));
});

test('silence mode stays far under the PA threshold', async () => {
  const r = await listen();
  const playback = playPa({ group: GROUP, port: r.port, durationMs: 400, signal: 'silence' });
  const got = packets(await capture(r, playback.done));
  assert.equal(got.length, 20);
  assert.ok(got.every((p) => p.levelDbfs < -60 && p.levelDbfs > -120));
  assert.equal((await playback.done).firstAudibleAt, null);
});

test('stop() ends a long announcement early', async () => {
  const r = await listen();
  const playback = playPa({ group: GROUP, port: r.port, durationMs: 60_000 });
  setTimeout(() => playback.stop(), 200);
  const { packets: sent } = await playback.done;
  await r.close();
  assert.ok(sent >= 5 && sent < 50, `${sent} packets`);
});

test('the voice pauses between words, never for as long as a PA hang-over', () => {
  const next = voiceSignal(8000, 7);
  const frames = Array.from({ length: 3000 }, () => {
    // 60 s of 20 ms frames at 8 kHz
    let sum = 0;
    for (let i = 0; i < 160; i++) sum += next() ** 2;
    return dbfs(sum, 160) >= -45;
  });
  let quiet = 0;
  let longestQuietMs = 0;
  for (const loud of frames) {
    quiet = loud ? 0 : quiet + 20;
    longestQuietMs = Math.max(longestQuietMs, quiet);
  }
  const loudShare = frames.filter(Boolean).length / frames.length;
  assert.ok(longestQuietMs >= 200 && longestQuietMs < 1000, `longest pause ${longestQuietMs} ms`);
  assert.ok(loudShare > 0.4 && loudShare < 0.9, `loud ${Math.round(loudShare * 100)}% of the time`);
});
