import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { VlcTelnetClient } from '../../protocols/vlc-telnet/client.js';
import { VlcLoginError, VlmError } from '../../protocols/vlc-telnet/errors.js';
import { VlcProcess } from '../../src/channels/vlc-process.js';
import { alive, readableTempDir, testLog, waitFor } from './helpers.js';

// Real VLC (cvlc -I telnet), run as nobody through setpriv when the tests run as root.
let tmp: Awaited<ReturnType<typeof readableTempDir>>;
let vlc: VlcProcess;

before(async () => {
  tmp = await readableTempDir('purser-vlcproc-');
  vlc = new VlcProcess({
    homeDir: join(tmp.dir, 'home'),
    miface: 'lo',
    ttl: 1,
    backoff: { initialMs: 200, maxMs: 1000 },
    healthIntervalMs: 500,
    healthTimeoutMs: 1000,
    log: testLog,
  });
  await vlc.start();
});

after(async () => {
  await vlc.stop();
  await tmp.cleanup();
});

test('VLC comes up with a logged-in telnet client on loopback that answers VLM', async () => {
  const status = await waitFor(vlc.state$, (s) => s.state === 'running', 15_000, 'VLC running');
  assert.ok(status.telnetPort && status.pid);
  const client = vlc.client!;
  assert.deepEqual(await client.command('new purser-t broadcast enabled'), []);
  const shown = await client.show('purser-t');
  assert.equal(shown.media[0]?.name, 'purser-t');
  assert.equal(shown.media[0]?.enabled, true);
  await assert.rejects(client.command('control nope play'), (err: unknown) => err instanceof VlmError && /media unknown/.test(err.vlcText));
  await assert.rejects(client.command('bogus'), (err: unknown) => err instanceof VlmError && /Unknown command/.test(err.vlcText));
  await client.command('del purser-t');
});

test('a wrong password is refused with a clear error', async () => {
  const { telnetPort } = vlc.status;
  await assert.rejects(VlcTelnetClient.connect({ port: telnetPort!, password: 'not-it' }), (err: unknown) => err instanceof VlcLoginError && /Wrong password/.test((err as Error).message));
});

test('a hung VLC (SIGSTOP) is found by the health check, killed and restarted', async () => {
  const before = await waitFor(vlc.state$, (s) => s.state === 'running', 15_000, 'VLC running');
  process.kill(before.pid!, 'SIGSTOP');
  await waitFor(vlc.state$, (s) => s.state === 'restarting', 5_000, 'hang detected');
  const after = await waitFor(vlc.state$, (s) => s.state === 'running', 15_000, 'VLC running again');
  assert.notEqual(after.pid, before.pid);
  assert.equal(alive(before.pid!), false, 'the hung VLC is gone');
  assert.ok(after.restarts >= 1);
  assert.deepEqual((await vlc.client!.show()).media, []);
});

test('stop leaves no VLC behind', async () => {
  const { pid } = await waitFor(vlc.state$, (s) => s.state === 'running', 15_000, 'VLC running');
  await vlc.stop();
  assert.equal(vlc.status.state, 'down');
  assert.equal(vlc.client, null);
  assert.equal(alive(pid!), false);
});

test('a controller killed with SIGKILL takes its VLC with it (no VLC left streaming)', async () => {
  const t = await readableTempDir('purser-vlcorphan-');
  // The owner in a process of its own, as the controller is; it prints VLC's pid once running.
  const script = `
    const { VlcProcess } = await import('./src/channels/vlc-process.ts');
    const vlc = new VlcProcess({ homeDir: ${JSON.stringify(join(t.dir, 'home'))}, miface: 'lo', ttl: 1, log: { info() {}, warn() {}, error() {}, debug() {} } });
    vlc.state$.subscribe((s) => { if (s.state === 'running') console.log('VLC ' + s.pid); });
    await vlc.start();
    setInterval(() => {}, 1000);`;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../../', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`VLC did not start: ${out}`)), 20_000);
      owner.stdout.on('data', (d: Buffer) => {
        out += d;
        const m = /VLC (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    assert.equal(alive(pid), true);
    owner.kill('SIGKILL');
    const end = Date.now() + 3000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(pid), false, 'VLC died with its owner');
  } finally {
    owner.kill('SIGKILL');
    await t.cleanup();
  }
});
