// sd_notify over a real unix datagram socket: a path (unix-dgram receiver)
// and an abstract address (socat's ABSTRACT-RECV).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { forgetSystemdEnv, readSystemdEnv } from '../../src/systemd/env.js';
import { formatNotify, Notifier } from '../../src/systemd/notify.js';
import { notifyReceiver, tempDir } from './helpers.js';

test('ready, status, watchdog, stopping and reloading arrive as sd_notify datagrams, in order', async (t) => {
  const { dir, remove } = await tempDir('purser-notify-');
  const rx = notifyReceiver(join(dir, 'notify.sock'));
  t.after(async () => {
    rx.close();
    await remove();
  });
  const n = new Notifier({ socket: rx.path });
  assert.equal(n.enabled, true);
  n.ready();
  n.status('312/320 seats online;\ndegraded: channels (VLC restarting)');
  n.watchdog();
  n.reloading();
  n.ready('reloaded');
  n.stopping();
  await n.flush();
  await rx.waitFor((d) => d.text.startsWith('STOPPING=1'));
  const got = rx.received.map((d) => d.text);
  assert.equal(got[0], 'READY=1\n');
  // A newline would start a new assignment: the status is one line.
  assert.equal(got[1], 'STATUS=312/320 seats online; degraded: channels (VLC restarting)\n');
  assert.equal(got[2], 'WATCHDOG=1\n');
  assert.match(got[3]!, /^RELOADING=1\nMONOTONIC_USEC=\d+\n$/);
  assert.equal(got[4], 'READY=1\nSTATUS=reloaded\n');
  assert.equal(got[5], 'STOPPING=1\n');
  assert.deepEqual(n.stats(), { sent: 6, failed: 0 });
  await n.close();
});

test('an abstract NOTIFY_SOCKET (@name) works too', async (t) => {
  const name = `purser-test-notify-${process.pid}-${Date.now()}`;
  const socat = spawn('socat', ['-u', `ABSTRACT-RECV:${name}`, '-'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  socat.stdout.on('data', (d: Buffer) => (out += d.toString()));
  t.after(() => {
    try {
      process.kill(-socat.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  // socat is listening once the name shows in /proc/net/unix.
  const { readFile } = await import('node:fs/promises');
  for (let i = 0; i < 100 && !(await readFile('/proc/net/unix', 'utf8')).includes(`@${name}`); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const n = new Notifier({ socket: `@${name}` });
  n.ready('up');
  n.watchdog();
  await n.flush();
  for (let i = 0; i < 100 && !out.includes('WATCHDOG=1'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(out, 'READY=1\nSTATUS=up\nWATCHDOG=1\n');
  assert.deepEqual(n.stats(), { sent: 2, failed: 0 });
  await n.close();
});

test('no NOTIFY_SOCKET: every call is a no-op; a dead socket is logged, never thrown', async () => {
  const off = new Notifier({ socket: undefined });
  assert.equal(off.enabled, false);
  off.ready();
  off.watchdog();
  await off.flush();
  assert.deepEqual(off.stats(), { sent: 0, failed: 0 });

  const warnings: object[] = [];
  const dead = new Notifier({
    socket: '/nonexistent/purser/notify.sock',
    log: { info: () => undefined, warn: (o) => warnings.push(o) },
  });
  dead.ready();
  dead.status('x');
  for (let i = 0; i < 10; i++) dead.watchdog();
  await dead.flush();
  assert.equal(dead.stats().failed, 12);
  assert.ok(warnings.length >= 1 && warnings.length <= 3, `${warnings.length} warnings: rate-limited`);
  assert.match(JSON.stringify(warnings[0]), /ENOENT|-2/);

  // An abstract name nobody listens on: connect fails, the notifier shrugs.
  const nobody = new Notifier({ socket: `@purser-nobody-${process.pid}` });
  nobody.ready();
  await nobody.flush();
  assert.equal(nobody.stats().failed, 1);
  await nobody.close();
});

test('readSystemdEnv follows sd_watchdog_enabled: WATCHDOG_PID must be ours', () => {
  assert.deepEqual(readSystemdEnv({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '20000000' }, 42), {
    notifySocket: '/run/systemd/notify',
    watchdogMs: 20_000,
  });
  assert.equal(readSystemdEnv({ WATCHDOG_USEC: '500000', WATCHDOG_PID: '42' }, 42).watchdogMs, 500);
  assert.equal(readSystemdEnv({ WATCHDOG_USEC: '500000', WATCHDOG_PID: '41' }, 42).watchdogMs, undefined);
  for (const bad of ['', '0', '-5', '1e6', 'abc', '99999999999999999999']) {
    assert.equal(readSystemdEnv({ WATCHDOG_USEC: bad }, 1).watchdogMs, undefined, bad);
  }
  assert.equal(readSystemdEnv({ NOTIFY_SOCKET: 'relative/path' }).notifySocket, undefined);
  assert.equal(readSystemdEnv({ NOTIFY_SOCKET: '@abstract' }).notifySocket, '@abstract');
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '1', WATCHDOG_PID: '1', PATH: '/bin' };
  forgetSystemdEnv(env);
  assert.deepEqual(env, { PATH: '/bin' });
});

test('formatNotify never throws and never lets a value start a new assignment (fuzz)', () => {
  // Any UTF-16 unit, lone surrogates included, with newlines and '=' often
  // (fast-check's 'binary' unit builds a 4 s table on first use).
  const unit = fc.oneof(
    fc.constantFrom('\n', '\r', '=', '\0'),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  );
  const key = fc.oneof(fc.string({ unit }), fc.constantFrom('__proto__', 'constructor', 'STATUS', 'READY', 'toString'));
  fc.assert(
    fc.property(fc.array(fc.tuple(key, fc.string({ unit, maxLength: 80 })), { maxLength: 6 }), (pairs) => {
      // fromEntries makes own properties, `__proto__` included
      const fields: Record<string, string> = Object.fromEntries(pairs);
      const out = formatNotify(fields);
      if (out === '') return;
      assert.ok(out.endsWith('\n'));
      for (const line of out.slice(0, -1).split('\n')) assert.match(line, /^[A-Z_][A-Z0-9_]*=/);
      assert.equal(out.split('\n').length - 1, Object.keys(fields).filter((k) => /^[A-Z_][A-Z0-9_]*$/.test(k)).length);
    }),
  );
});
