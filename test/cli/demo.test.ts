import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
/** Short cycles for both demos: a fault 3 s on and off, a seat away 5 s every 4 s. */
const FAST_LIFE = ['--calls-every', '1', '--faults-every', '3', '--offline-every', '4'];
const SIMULATED = 36;

function purser(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, env: { ...process.env, PURSER_URL: '', PURSER_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Demo {
  out: () => string;
  url: () => string;
  exited: Promise<number | null>;
  kill: () => void;
}

/** `purser demo` in a state dir of its own, started until it prints its hints. */
async function startDemo(dir: string, args: string[], config: Record<string, unknown> = {}): Promise<Demo> {
  // A seat-command port of its own, so parallel tests never hear each other's datagrams.
  await writeFile(join(dir, 'purser.json'), JSON.stringify({ stateDir: join(dir, 'state'), commands: { port: 20000 + Math.floor(Math.random() * 20000) }, ...config }));
  const p = spawn(process.execPath, [...CLI, 'demo', '--config', join(dir, 'purser.json'), '--port', '0', '--seats', String(SIMULATED), ...args], {
    cwd: ROOT,
    env: { ...process.env, PURSER_URL: '', PURSER_TOKEN: '' },
    detached: true,
  });
  let out = '';
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  p.stdout.on('data', (d: Buffer) => (out += d));
  p.stderr.on('data', (d: Buffer) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!out.includes('Stop with Ctrl-C')) {
    assert.ok(Date.now() < deadline && p.exitCode === null, `the demo starts and prints its hints:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { out: () => out, url: () => /listening on (http:\/\/\S+)/.exec(out)![1]!, exited, kill: () => p.exitCode === null && process.kill(-p.pid!, 'SIGTERM') };
}

interface CabinNow {
  call: boolean;
  fault: boolean;
  /** A simulated seat that polled and then fell silent. */
  wentOffline: boolean;
}

async function lookAt(url: string): Promise<CabinNow> {
  const { alerts } = (await (await fetch(`${url}/api/v1/alerts`)).json()) as { alerts: { kind: string }[] };
  const faults = (await (await fetch(`${url}/api/v1/seats?fault=true`)).json()) as { matched: number };
  const offline = (await (await fetch(`${url}/api/v1/seats?status=offline`)).json()) as { seats: { lastPollAt: number | null }[] };
  return { call: alerts.some((a) => a.kind === 'call'), fault: faults.matched > 0, wentOffline: offline.seats.some((s) => s.lastPollAt !== null) };
}

describe('purser demo', { timeout: 120_000 }, () => {
  let dirs: string[];
  let living: Demo;
  let quiet: Demo;
  /** What each demo showed while the living one came to show everything. */
  let seen: { living: CabinNow; quiet: CabinNow } | undefined;

  before(async () => {
    dirs = await Promise.all([mkdtemp(join(tmpdir(), 'purser-demo-')), mkdtemp(join(tmpdir(), 'purser-demo-quiet-'))]);
    // The quiet one stays off the fixed ports (SSH console, TFTP) and VLC the living one uses.
    [living, quiet] = await Promise.all([
      startDemo(dirs[0]!, FAST_LIFE),
      startDemo(dirs[1]!, ['--quiet-cabin', ...FAST_LIFE], { console: { port: 0 }, tftp: { port: 0 }, vlc: { enabled: false } }),
    ]);
  });

  after(async () => {
    living.kill();
    quiet.kill();
    await Promise.all([living.exited, quiet.exited]);
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('prints hints for its own port and state dir, and they work as printed', async () => {
    const out = living.out();
    const url = living.url();
    assert.doesNotMatch(out, /:8080/, 'not the default port when it runs on another');
    const lines = out.split('\n').filter((l) => l.trim().startsWith('npx purser '));
    assert.equal(lines.length, 2, out);
    for (const line of lines) {
      assert.ok(line.includes(url), `the hint names this demo's controller: ${line}`);
      const args = line.trim().split(/\s+/).slice(2);
      const r = await purser(args);
      assert.equal(r.code, 0, `${line}\n${r.stdout}${r.stderr}`);
    }
  });

  it('is a living cabin: a passenger calls, a seat has a fault, one goes offline, without anyone running the simulator', async () => {
    const sum: { living: CabinNow; quiet: CabinNow } = { living: { call: false, fault: false, wentOffline: false }, quiet: { call: false, fault: false, wentOffline: false } };
    const or = (a: CabinNow, b: CabinNow): CabinNow => ({ call: a.call || b.call, fault: a.fault || b.fault, wentOffline: a.wentOffline || b.wentOffline });
    const deadline = Date.now() + 30_000;
    while (!(sum.living.call && sum.living.fault && sum.living.wentOffline)) {
      assert.ok(Date.now() < deadline, `a call, a fault and an offline seat within 30 s at ${FAST_LIFE.join(' ')}; saw ${JSON.stringify(sum.living)}`);
      const [l, q] = await Promise.all([lookAt(living.url()), lookAt(quiet.url())]);
      sum.living = or(sum.living, l);
      sum.quiet = or(sum.quiet, q);
      await new Promise((r) => setTimeout(r, 300));
    }
    seen = sum;
    assert.match(living.out(), /A living cabin/);
  });

  it('--quiet-cabin: no call, fault or offline seat, in its whole history, while the living cabin showed all three', async () => {
    assert.ok(seen, 'the living cabin was watched first');
    assert.deepEqual(seen.quiet, { call: false, fault: false, wentOffline: false }, 'nothing while it was watched');
    // The stored history covers its whole run, not only the moments looked at (written behind about once a second).
    await new Promise((r) => setTimeout(r, 1500));
    const { events } = (await (await fetch(`${quiet.url()}/api/v1/history?limit=500`)).json()) as { events: { id: number; at: number; type: string; seat: string | null }[] };
    assert.ok(events.some((e) => e.type === 'seat.online'), 'its seats are in the history');
    assert.deepEqual(events.filter((e) => ['call.pressed', 'fault.raised'].includes(e.type)), []);
    // A seat the cabin sends away is offline for seconds. On a loaded machine the demo's one event loop can stall past
    // the 3 s liveness limit, and a seat reads offline for the moment its queued polls take to arrive: not that.
    const asc = [...events].sort((a, b) => a.id - b.id);
    const away = asc.filter((e) => e.type === 'seat.offline').filter((off) => {
      const back = asc.find((e) => e.id > off.id && e.type === 'seat.online' && e.seat === off.seat);
      return (back ? back.at : Date.now()) - off.at > 1000;
    });
    assert.deepEqual(away, [], 'no seat offline for more than a second');
    assert.match(quiet.out(), /A quiet cabin: no calls, faults or offline seats/);
  });

  // As root, VLC runs as vlc.user (nobody), which cannot search a 0700 state dir: the clips must live where it can read them.
  it('puts its broadcast channels on the air, with real TS packets, and has the safety video ready', async () => {
    type Channels = { channels: { id: string; state: string; attributes: { packets: number; sawPat: boolean; source: string } }[]; safety: { state: string } };
    const deadline = Date.now() + 45_000;
    let now: Channels;
    for (;;) {
      now = (await (await fetch(`${living.url()}/api/v1/channels`)).json()) as Channels;
      if (now.channels.length > 0 && now.channels.every((c) => c.state === 'on-air' && c.attributes.packets > 0 && c.attributes.sawPat)) break;
      assert.ok(Date.now() < deadline, `every demo channel on the air within 45 s: ${JSON.stringify(now)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(now.channels.map((c) => c.id).sort(), ['films', 'news']);
    assert.equal(now.safety.state, 'idle', 'the safety video is ready for the crew, not missing its source');
  });

  it('stops on SIGTERM', async () => {
    living.kill();
    quiet.kill();
    assert.equal(await living.exited, 0);
    assert.equal(await quiet.exited, 0);
  });
});
