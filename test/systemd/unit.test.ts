// The unit, sysusers and tmpfiles files, checked by systemd's own tools.
import { strict as assert } from 'node:assert';
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { run, SYSTEMD_DIR, tempDir } from './helpers.js';

const UNIT = join(SYSTEMD_DIR, 'purser.service');


/** A unit in a temp dir, with ExecStart pointing at an executable that exists (verify checks it), and the mount helper's socket unit beside it (both name it). */
async function unitCopy(dir: string, edit: (text: string) => string = (t) => t, name = 'purser.service'): Promise<string> {
  const fakeNode = join(dir, 'node');
  await writeFile(fakeNode, '#!/bin/sh\nexit 0\n');
  await chmod(fakeNode, 0o755);
  await copyFile(join(SYSTEMD_DIR, 'purser-mount.socket'), join(dir, 'purser-mount.socket'));
  for (const unit of ['purser.service', 'purser-mount.service']) {
    const text = (await readFile(join(SYSTEMD_DIR, unit), 'utf8')).replace(/^ExecStart=\S+/m, `ExecStart=${fakeNode}`);
    await writeFile(join(dir, unit), unit === name ? edit(text) : text);
  }
  return join(dir, name);
}

function assignments(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

for (const name of ['purser.service', 'purser-mount.service']) {
  test(`systemd-analyze verify accepts ${name} without a single warning`, async (t) => {
    const { dir, remove } = await tempDir('purser-unit-');
    t.after(remove);
    const unit = await unitCopy(dir, undefined, name);
    const r = await run('systemd-analyze', ['verify', '--man=no', unit, join(dir, 'purser-mount.socket')]);
    assert.equal(r.code, 0, r.stderr);
    // verify exits 0 on unknown keys and bad values, it only warns: stderr must be empty.
    assert.equal(r.stderr, '');

    // The check can fail: a misspelt key is reported.
    const bad = await unitCopy(dir, (t) => t.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'), name);
    const r2 = await run('systemd-analyze', ['verify', '--man=no', bad]);
    assert.match(r2.stderr, /Unknown key 'NoNewPrivilege'/);
  });

  test(`systemd-analyze security rates ${name} 3.0 or lower (OK)`, async (t) => {
    const { dir, remove } = await tempDir('purser-unit-');
    t.after(remove);
    const unit = await unitCopy(dir, undefined, name);
    const line = new RegExp(`Overall exposure level for ${name.replace('.', '\\.')}: (\\d+\\.\\d+) (\\w+)`);
    const r = await run('systemd-analyze', ['security', '--offline=yes', '--no-pager', unit]);
    const m = line.exec(r.stdout);
    assert.ok(m, `no exposure line in: ${r.stdout.slice(-400)} ${r.stderr}`);
    const exposure = Number(m[1]);
    assert.ok(exposure <= 3.0, `exposure ${exposure} ${m[2]}`);
    assert.equal(m[2], 'OK');

    // The measurement is real: dropping the sandbox makes it worse.
    const loose = await unitCopy(dir, (t) => t.replace(/^(ProtectSystem|ProtectHome|PrivateTmp|SystemCallFilter|CapabilityBoundingSet)=.*$/gm, ''), name);
    const r2 = await run('systemd-analyze', ['security', '--offline=yes', '--no-pager', loose]);
    const m2 = line.exec(r2.stdout);
    assert.ok(m2 && Number(m2[1]) > exposure, `loose unit scored ${m2?.[1]}`);
  });
}

test('the mount helper unit: root with CAP_SYS_ADMIN alone, no network, no mount namespace, exfat-fuse daemons outlive a restart', async () => {
  const a = assignments(await readFile(join(SYSTEMD_DIR, 'purser-mount.service'), 'utf8'));
  const one = (k: string): string | undefined => a.get(k)?.at(-1);
  assert.deepEqual((one('CapabilityBoundingSet') ?? '').split(/\s+/), ['CAP_SYS_ADMIN']);
  assert.equal(a.get('AmbientCapabilities'), undefined);
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('RestrictAddressFamilies'), 'AF_UNIX');
  assert.equal(one('PrivateNetwork'), 'yes');
  assert.equal(one('KillMode'), 'process');
  assert.equal(one('Restart'), 'always');
  assert.match(one('ExecStart') ?? '', / --jitless .* mount-helper --root \/run\/purser\/media /);
  assert.ok((a.get('SystemCallFilter') ?? []).includes('@system-service @mount'));
  // Any of these gives the unit a mount namespace of its own, and its mounts would never reach the controller.
  assert.equal(one('PrivateMounts'), 'no');
  for (const k of ['ProtectSystem', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'ProtectProc', 'ProcSubset', 'PrivateIPC', 'ReadWritePaths', 'ReadOnlyPaths', 'InaccessiblePaths', 'MountFlags']) {
    assert.equal(a.get(k), undefined, `${k} would cut mount propagation to the host`);
  }
  const sock = assignments(await readFile(join(SYSTEMD_DIR, 'purser-mount.socket'), 'utf8'));
  assert.deepEqual(
    ['ListenStream', 'SocketUser', 'SocketGroup', 'SocketMode'].map((k) => sock.get(k)?.at(-1)),
    ['/run/purser/mount.sock', 'root', 'purser', '0660'],
  );
});

test('the unit is a notify service with a watchdog, start limits and only the capabilities it needs', async () => {
  const a = assignments(await readFile(UNIT, 'utf8'));
  const one = (k: string): string | undefined => a.get(k)?.at(-1);
  assert.equal(one('Type'), 'notify');
  assert.equal(one('NotifyAccess'), 'main');
  assert.match(one('WatchdogSec') ?? '', /^\d+s?$/);
  assert.equal(one('Restart'), 'always');
  assert.ok(one('StartLimitIntervalSec') && one('StartLimitBurst'));
  assert.ok(one('MemoryMax'));
  assert.equal(one('UMask'), '0077');
  assert.equal(one('DevicePolicy'), 'closed');
  const caps = (one('CapabilityBoundingSet') ?? '').split(/\s+/).sort();
  // No CAP_SYS_ADMIN: mount(8) refuses a non-root uid anyway; purser-mount.service mounts.
  assert.deepEqual(caps, ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SETGID', 'CAP_SETUID']);
  assert.ok(!(a.get('SystemCallFilter') ?? []).some((f) => /(^| )@mount/.test(f)), 'no mount syscalls');
  assert.equal(one('PrivateMounts'), 'yes');
  assert.equal(one('SupplementaryGroups'), 'purser-vlc');
  assert.match(one('Wants') ?? '', /purser-mount\.socket/);
  assert.deepEqual((one('AmbientCapabilities') ?? '').split(/\s+/).sort(), caps);
  const rw = (one('ReadWritePaths') ?? '').split(/\s+/);
  assert.ok(rw.includes('/var/lib/purser'));
  assert.ok(!rw.includes('/run/purser/media'), 'the controller never writes the mount root');
  const devices = a.get('DeviceAllow') ?? [];
  assert.ok(devices.some((d) => d.startsWith('char-ttyUSB')));
  assert.ok(!devices.some((d) => d.startsWith('block-')), 'the controller never opens a drive');
});

test('systemd-sysusers creates the purser and purser-vlc users in a root', async (t) => {
  const { dir, remove } = await tempDir('purser-sysusers-');
  t.after(remove);
  await mkdir(join(dir, 'etc'));
  const r = await run('systemd-sysusers', [`--root=${dir}`, join(SYSTEMD_DIR, 'purser.sysusers.conf')]);
  assert.equal(r.code, 0, r.stderr);
  const passwd = await readFile(join(dir, 'etc/passwd'), 'utf8');
  const users = new Map(passwd.trim().split('\n').map((l) => [l.split(':')[0], l.split(':')]));
  const purser = users.get('purser');
  const vlc = users.get('purser-vlc');
  assert.ok(purser && vlc, passwd);
  assert.equal(purser[5], '/var/lib/purser');
  assert.equal(vlc[5], '/var/lib/purser-vlc');
  assert.notEqual(purser[2], vlc[2]);
  for (const u of [purser, vlc]) {
    assert.ok(Number(u[2]) > 0 && Number(u[2]) < 1000, `system uid ${u[2]}`);
    assert.equal(u[6], '/usr/sbin/nologin');
  }
  const group = await readFile(join(dir, 'etc/group'), 'utf8');
  assert.match(group, /^purser:x:\d+:/m);
  assert.match(group, /^purser-vlc:x:\d+:/m);
});

test('systemd-tmpfiles creates the state dir 0700, the mount root and VLC home with their owners', async (t) => {
  const { dir, remove } = await tempDir('purser-tmpfiles-');
  t.after(remove);
  await mkdir(join(dir, 'etc/tmpfiles.d'), { recursive: true });
  // Users first, as on install: tmpfiles resolves them from the root's passwd.
  const su = await run('systemd-sysusers', [`--root=${dir}`, join(SYSTEMD_DIR, 'purser.sysusers.conf')]);
  assert.equal(su.code, 0, su.stderr);
  await copyFile(join(SYSTEMD_DIR, 'purser.tmpfiles.conf'), join(dir, 'etc/tmpfiles.d/purser.conf'));
  const r = await run('systemd-tmpfiles', ['--create', `--root=${dir}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const ids = new Map(
    (await readFile(join(dir, 'etc/passwd'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(':'))
      .map((f) => [f[0]!, Number(f[2])]),
  );
  const gids = new Map(
    (await readFile(join(dir, 'etc/group'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => l.split(':'))
      .map((f) => [f[0]!, Number(f[2])]),
  );
  const expect: Array<[string, number, string, string]> = [
    ['/var/lib/purser', 0o700, 'purser', 'purser'],
    ['/var/lib/purser-vlc', 0o700, 'purser-vlc', 'purser-vlc'],
    ['/run/purser/media', 0o750, 'root', 'purser-vlc'],
    ['/etc/purser', 0o750, 'root', 'purser'],
  ];
  for (const [path, mode, user, grp] of expect) {
    const s = await stat(join(dir, path));
    assert.ok(s.isDirectory(), path);
    assert.equal((s.mode & 0o7777).toString(8), mode.toString(8), path);
    assert.equal(s.uid, user === 'root' ? 0 : ids.get(user), `${path} owner`);
    assert.equal(s.gid, grp === 'root' ? 0 : gids.get(grp), `${path} group`);
  }
});
