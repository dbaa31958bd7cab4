// The watchdog in a real child process, talking to a fake NOTIFY_SOCKET,
// as systemd would see it: WATCHDOG=1 while alive, nothing while stuck.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Watchdog, type WatchdogState } from '../../src/systemd/watchdog.js';
import { notifyReceiver, tempDir, type Datagram } from './helpers.js';

const CHILD = new URL('./fixtures/watchdog-child.ts', import.meta.url).pathname;
const WATCHDOG_USEC = 500_000; // systemd would kill after 500 ms without a ping

interface ChildRun {
  lines: Datagram[];
  code: number | null;
  stderr: string;
}

async function runChild(mode: string, extra: NodeJS.ProcessEnv = {}): Promise<ChildRun> {
  const { dir, remove } = await tempDir('purser-wd-');
  const rx = notifyReceiver(join(dir, 'notify.sock'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: String(WATCHDOG_USEC), MODE: mode, ...extra },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(killer);
    await new Promise((r) => setTimeout(r, 50)); // the last datagrams
    return { lines: rx.lines(), code, stderr };
  } finally {
    rx.close();
    await remove();
  }
}

const pings = (lines: Datagram[]): number[] => lines.filter((l) => l.text === 'WATCHDOG=1').map((l) => l.t);
const at = (lines: Datagram[], text: string): number => {
  const hit = lines.find((l) => l.text === text);
  assert.ok(hit, `no ${text} in ${JSON.stringify(lines.map((l) => l.text))}`);
  return hit.t;
};

// Child processes run side by side: each waits mostly on its own timers.
describe('the watchdog in a child process', { concurrency: true }, () => {
  test('a live process sends READY=1, STATUS= and WATCHDOG=1 at about half the interval', async () => {
    const r = await runChild('steady', { RUN_MS: '2500' });
    assert.equal(r.code, 0, r.stderr);
    const texts = r.lines.map((l) => l.text);
    assert.ok(texts.includes('READY=1'));
    assert.ok(texts.includes('STATUS=started'));
    assert.ok(texts.includes('STOPPING=1'));
    const p = pings(r.lines);
    // 2.5 s at one ping per 250 ms is 10; a loaded machine may skip a few.
    assert.ok(p.length >= 5, `only ${p.length} pings`);
    // READY=1 and the first ping: the first ping comes at start, before ready.
    assert.ok(p[0]! <= at(r.lines, 'READY=1') + 5);
  });

  test('a blocked event loop stops the pings for longer than WatchdogSec, then they resume', async () => {
    const r = await runChild('block', { RUN_MS: '3500', BLOCK_MS: '1500' });
    assert.equal(r.code, 0, r.stderr);
    const from = at(r.lines, 'STATUS=marker: blocking');
    const to = at(r.lines, 'STATUS=marker: unblocked');
    assert.ok(to - from >= 1400, `blocked ${to - from} ms`);
    const p = pings(r.lines);
    const before = p.filter((t) => t <= from);
    const after = p.filter((t) => t > from);
    assert.ok(before.length >= 1 && after.length >= 1, JSON.stringify(p));
    const gap = after[0]! - before.at(-1)!;
    // systemd (WatchdogSec=500ms) would have killed it: no ping for > 1.5 s.
    assert.ok(gap > WATCHDOG_USEC / 1000 * 3, `gap ${gap} ms`);
    // The late timer that fires right after the block does not ping: the loop was stuck.
    assert.ok(after[0]! - to >= 150, `pinged ${after[0]! - to} ms after the block`);
    assert.ok(after.length >= 2, 'pings resume once the loop is live');
  });

  test('essentialOk false stops the pings until it is true again', async () => {
    const r = await runChild('essential-down', { RUN_MS: '3500', BLOCK_MS: '1500' });
    assert.equal(r.code, 0, r.stderr);
    const down = at(r.lines, 'STATUS=marker: essential down');
    const up = at(r.lines, 'STATUS=marker: essential up');
    const p = pings(r.lines);
    assert.deepEqual(
      p.filter((t) => t > down + 5 && t < up - 5),
      [],
      'no ping while the essential services are down',
    );
    assert.ok(p.some((t) => t < down) && p.some((t) => t > up), 'pings before and after');
  });

  test('a process that never calls ready() sends no READY=1', async () => {
    const r = await runChild('no-ready', { RUN_MS: '1200' });
    assert.equal(r.code, 0, r.stderr);
    const texts = r.lines.map((l) => l.text);
    assert.ok(texts.includes('STATUS=starting'), 'the receiver heard it');
    assert.ok(texts.includes('WATCHDOG=1'));
    assert.ok(!texts.includes('READY=1'));
  });

  test('WATCHDOG_PID for another process: the child refuses to run a watchdog', async () => {
    const r = await runChild('steady', { RUN_MS: '500', WATCHDOG_PID: '1' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no watchdog/);
  });
});

test('state$ tells why pings stopped, and an essentialOk that throws counts as down', async () => {
  let ok: boolean | 'throw' = true;
  const sent: number[] = [];
  const warnings: object[] = [];
  const wd = new Watchdog({
    notifier: { watchdog: () => sent.push(performance.now()) },
    intervalMs: 100,
    essentialOk: () => {
      if (ok === 'throw') throw new Error('health table gone');
      return ok;
    },
    log: { info: () => undefined, warn: (o) => warnings.push(o) },
  });
  const states: WatchdogState[] = [];
  const sub = wd.state$.subscribe((s) => states.push(s));
  try {
    wd.start();
    await new Promise((r) => setTimeout(r, 180));
    assert.ok(sent.length >= 2);
    ok = 'throw';
    await new Promise((r) => setTimeout(r, 160));
    const n = sent.length;
    assert.equal(wd.state.hold, 'essential-down');
    assert.match(wd.state.reason ?? '', /health table gone/);
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(sent.length, n);
    assert.equal(warnings.length, 1, 'one warning per change, not per slot');
    ok = true;
    await new Promise((r) => setTimeout(r, 160));
    assert.ok(sent.length > n);
    assert.equal(wd.state.pinging, true);
  } finally {
    wd.stop();
    sub.unsubscribe();
  }
  assert.throws(() => new Watchdog({ notifier: { watchdog() {} }, intervalMs: 0, essentialOk: () => true }), RangeError);
});
