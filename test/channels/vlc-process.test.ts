import assert from 'node:assert/strict';
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
