import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { PaService, type PaEffect } from '../../src/pa/pa-service.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Monotonic ms at which ffmpeg exited: it sent nothing after. */
  exitedAt: number;
}

/** Runs ffmpeg to completion, sending RTP to a group on loopback. */
function ffmpeg(input: string[], codec: string[], group: string, port: number): Promise<Run> {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', ...input, '-t', '2', ...codec, '-ac', '1', '-f', 'rtp', `rtp://${group}:${port}?localaddr=127.0.0.1`];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, exitedAt: performance.now() }));
  });
}

async function listen(group: string) {
  const service = new PaService({ sources: [{ name: 'cabin', group, port: 0 }], interface: '127.0.0.1' }, { log: { warn: () => {} } });
  const effects: PaEffect[] = [];
  service.effects$.subscribe((e) => effects.push(e));
  const next = (type: PaEffect['type']) => firstValueFrom(service.effects$.pipe(filter((e) => e.type === type), timeout(15_000)));
  await service.start();
  const port = Number(service.groups.get('cabin')!.split(':')[1]);
  return { service, effects, next, port };
}

const SINE_48K = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:samples_per_frame=960'];
const SINE_8K = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:samples_per_frame=160'];
const SILENCE_48K = ['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono:nb_samples=960'];
const L16 = ['-acodec', 'pcm_s16be', '-ar', '48000'];
const PCMU = ['-acodec', 'pcm_mulaw', '-ar', '8000'];

const CASES = [
  // ffmpeg puts L16 on dynamic payload type 97 (the PA gateway uses 96) and PCMU on its static type 0.
  { name: 'L16 48 kHz', group: '239.255.20.61', input: SINE_48K, codec: L16, announces: /a=rtpmap:97 L16\/48000\/1/ },
  { name: 'PCMU 8 kHz', group: '239.255.20.62', input: SINE_8K, codec: PCMU, announces: /m=audio \d+ RTP\/AVP 0\s/ },
];

for (const { name, group, input, codec, announces } of CASES) {
  test(`ffmpeg sending ${name}: the PA begins while it plays and ends a hang-over after it stops`, async () => {
    const { service, effects, next, port } = await listen(group);
    try {
      const begun = next('pa.begin');
      const run = ffmpeg(input, codec, group, port);
      const begin = await begun;
      const done = await run;
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, announces, 'the payload type ffmpeg announces in its SDP');
      assert.ok(done.exitedAt - begin.at > 1000, "begun while most of the 2 s were still to play");
      const end = await next('pa.end');
      const after = end.at - done.exitedAt;
      assert.ok(after > 1000 && after < 3000, `ended ${after} ms after ffmpeg stopped`);
      assert.deepEqual(effects.map((e) => [e.type, e.source]), [['pa.begin', 'cabin'], ['pa.end', 'cabin']]);
      const counters = service.counters().receivers.cabin!;
      assert.deepEqual(counters.bad, {});
      assert.ok(counters.ssrcs[0]!.packets >= 50, `${counters.ssrcs[0]!.packets} packets`);
    } finally {
      await service.stop();
    }
  });
}

test('ffmpeg sending silence never begins a PA', async () => {
  const { service, effects, port } = await listen('239.255.20.63');
  try {
    const done = await ffmpeg(SILENCE_48K, L16, '239.255.20.63', port);
    assert.equal(done.code, 0, done.stderr);
    const counters = service.counters().receivers.cabin!;
    assert.ok(counters.datagrams >= 50, `heard ${counters.datagrams} datagrams`);
    assert.deepEqual(counters.bad, {});
    assert.deepEqual(effects, []);
  } finally {
    await service.stop();
  }
});
