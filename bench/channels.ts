// Broadcast channels benchmark, against the real VLC and a controller in its own process.
//   (a) crew "play safety video" (POST /api/v1/safety/play) to the first TS
//       datagram of the safety channel at each of 300 simulated seats (the
//       seat hears safety.play by multicast or poll, joins the group, and its
//       shared receiver hears the next datagram): p50/p99/max over 5 plays.
//   (b) VLC SIGKILLed to datagrams flowing again on every one of 8 channels
//       (a gap of at least 200 ms, then the first datagram), 3 kills.
//   (c) 8 channels on air, 300 seats polling once a second, channel 1 imposed
//       on every seat (one shared socket in the simulator): the poll round
//       trip p99, the controller's CPU and VLC's CPU over 20 s.
// Times in this process are performance.now(), the simulator's clock too.
// Groups 239.255.34.1-8 and 239.255.34.100 (port 5000) belong to this bench.
// Writes bench/results/channels.json.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { joinMulticast } from '../core/udp.js';
import { makeTestClip } from '../src/channels/test-clips.js';
import { Simulator } from '../src/sim/simulator.js';
import { startController } from './lib/controller.js';
import { percentile } from './lib/percentile.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { writeResults } from './lib/results.js';

const SEATS = 300;
const CHANNELS = 8;
const PLAYS = 5;
const KILLS = 3;
const STEADY_MS = 20_000;
const TOKEN = 'bench-token-0123456789abcdef';
const group = (i: number) => `239.255.34.${i}:5000`;
const SAFETY_GROUP = '239.255.34.100:5000';

async function until<T>(what: string, ms: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

const round = (x: number) => Math.round(x * 10) / 10;
const summary = (v: number[]) => ({ count: v.length, p50: round(percentile(v, 50)), p99: round(percentile(v, 99)), max: round(Math.max(...v)) });

async function main(): Promise<void> {
  const clipsDir = await mkdtemp(join(tmpdir(), 'purser-bench-clips-'));
  await chmod(clipsDir, 0o755);
  const clips: string[] = [];
  for (let i = 1; i <= CHANNELS; i++) clips.push(await makeTestClip({ dir: clipsDir, name: `ch${i}`, seconds: 10, toneHz: 300 + i * 50 }));
  const safetyClip = await makeTestClip({ dir: clipsDir, name: 'safety', seconds: 20, toneHz: 880 });
  const secret = randomBytes(32);
  const cmdPort = 20_000 + Math.floor(Math.random() * 30_000);
  const ctl = await startController({
    api: { token: TOKEN },
    cabin: { secret: secret.toString('hex') },
    commands: { port: cmdPort },
    multicast: { interface: '127.0.0.1', ttl: 1 },
    pa: { enabled: false },
    vlc: { user: 'nobody', interface: '127.0.0.1' },
    channels: clips.map((source, i) => ({ id: `ch${i + 1}`, name: `Channel ${i + 1}`, source, group: group(i + 1) })),
    safety: { source: safetyClip, group: SAFETY_GROUP },
  });
  const get = async (path: string) => (await fetch(`${ctl.url}${path}`)).json() as Promise<any>;
  const post = async (path: string, body: unknown = {}) => {
    const res = await fetch(`${ctl.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  const sim = new Simulator({ controller: ctl.url, secret, seats: SEATS, commands: { port: cmdPort, group: '239.255.10.1', interface: '127.0.0.1' } });
  // Our own listeners on every channel, for (b).
  const last = new Map<string, number>();
  const recovered = new Map<string, number>();
  let killAt = Number.POSITIVE_INFINITY;
  const sockets = await Promise.all(
    Array.from({ length: CHANNELS }, async (_, i) => {
      const g = group(i + 1);
      const [addr, port] = g.split(':');
      const s = await joinMulticast(addr!, Number(port), '127.0.0.1');
      s.on('message', () => {
        const t = performance.now();
        const prev = last.get(g) ?? 0;
        if (t > killAt && t - prev > 200 && !recovered.has(g)) recovered.set(g, t);
        last.set(g, t);
      });
      return s;
    }),
  );
  const results: Record<string, unknown> = {};
  try {
    sim.start();
    await sim.joined();
    await until('8 channels on air', 60_000, async () => (await get('/api/v1/channels')).channels.every((c: { state: string }) => c.state === 'on-air'));
    await until('300 seats online', 30_000, async () => (await get('/api/v1/seats')).online === SEATS);
    console.log(`controller ${ctl.url}; 8 channels on air; ${SEATS} seats`);

    // (c) steady state.
    await post('/api/v1/channels/ch1/impose', { target: { all: true } });
    await sleep(3000);
    const vlcPid = (await get('/api/v1/channels')).vlc.pid as number;
    sim.resetStats();
    const c0 = sampleProc(ctl.pid);
    const v0 = sampleProc(vlcPid);
    await sleep(STEADY_MS);
    const c1 = sampleProc(ctl.pid);
    const v1 = sampleProc(vlcPid);
    const st = sim.stats();
    const ch1 = st.ts?.groups.find((g) => g.group === group(1));
    results.steady = {
      seats: SEATS, channels: CHANNELS, windowMs: STEADY_MS, polls: st.ok, pollErrors: st.failed,
      pollMs: st.latencyMs, controllerCpuPercent: round(cpuPercent(c0, c1)), vlcCpuPercent: round(cpuPercent(v0, v1)),
      controllerRssMiB: round(c1.rssBytes / 2 ** 20), vlcRssMiB: round(v1.rssBytes / 2 ** 20),
      imposedChannel: { seatsTuned: ch1?.seats ?? 0, packets: ch1?.packets ?? 0, ccErrors: ch1?.ccErrors ?? 0, syncErrors: ch1?.syncErrors ?? 0 },
    };
    console.log('(c) steady', results.steady);
    await post('/api/v1/channels/ch1/release', { target: { all: true } });
    await until('seats released from ch1', 10_000, () => sim.players.every((p) => p.model.channel === null));

    // (a) play safety video to the first TS datagram at every seat.
    const latencies: number[] = [];
    const perPlay: unknown[] = [];
    const pool = sim.channelReceiver!;
    for (let k = 0; k < PLAYS; k++) {
      const t0 = performance.now();
      await post('/api/v1/safety/play');
      await until('every seat heard the safety channel', 15_000, () => sim.players.every((p) => (pool.firstPacket(p.seat)?.tunedAt ?? -1) >= t0));
      const lat = sim.players.map((p) => pool.firstPacket(p.seat)!.firstAt - t0);
      latencies.push(...lat);
      perPlay.push(summary(lat));
      console.log(`(a) play ${k + 1}:`, summary(lat));
      await post('/api/v1/safety/stop');
      await until('seats released', 10_000, () => sim.players.every((p) => p.model.channel === null));
      await sleep(500);
    }
    results.safetyPlayToFirstPacketMs = { ...summary(latencies), seats: SEATS, plays: PLAYS, perPlay };

    // (b) VLC SIGKILL to every channel flowing again.
    const kills: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const pid = (await get('/api/v1/channels')).vlc.pid as number;
      recovered.clear();
      killAt = performance.now();
      process.kill(-pid, 'SIGKILL');
      const t = await until('every channel flowing again', 30_000, () => recovered.size === CHANNELS && Math.max(...recovered.values()));
      kills.push(t - killAt);
      console.log(`(b) kill ${k + 1}: every channel flowing again after ${round(t - killAt)} ms`);
      killAt = Number.POSITIVE_INFINITY;
      await until('on air again', 30_000, async () => (await get('/api/v1/channels')).channels.every((c: { state: string }) => c.state === 'on-air'));
      await sleep(1000);
    }
    results.vlcKillToAllChannelsMs = { ...summary(kills), kills: KILLS, channels: CHANNELS };
    results.load = { loadavg: loadavg() };
    const path = await writeResults('channels', results);
    console.log(`wrote ${path}`);
  } finally {
    for (const s of sockets) s.close();
    await sim.stop();
    await ctl.stop();
    await rm(clipsDir, { recursive: true, force: true });
  }
}

await main();
