import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

/**
 * `purser mount-helper` as the unit starts it: `node --jitless` (the unit has
 * MemoryDenyWriteExecute=yes), on the socket systemd passes (LISTEN_FDS, here
 * from systemd-socket-activate), or on its own --socket; SIGTERM stops it.
 */
const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).pathname;
const canRun = process.getuid?.() === 0;

function ask(path: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`${line}\n`));
    s.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) {
        s.destroy();
        resolve(buf.trim());
      }
    });
    s.on('error', reject);
  });
}

async function answered(path: string, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await ask(path, '{"op":"unmountStale"}');
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(100);
    }
  }
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

describe('purser mount-helper', { skip: !canRun && 'skipped: needs root' }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-mh-cli-'));
    await mkdir(join(dir, 'media'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('serves on the socket systemd passes, under --jitless, and stops on SIGTERM', async () => {
    const sock = join(dir, 'activated.sock');
    const child = spawn('systemd-socket-activate', ['-l', sock, process.execPath, '--jitless', '--import', 'tsx', MAIN, 'mount-helper', '--root', join(dir, 'media')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_ENV: 'test' },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      assert.equal(await answered(sock), '{"ok":true,"unmounted":[]}', stderr);
      assert.match(await ask(sock, '{"op":"mount","devname":"/dev/null","fsType":"ext4"}'), /"error":"\/dev\/null is not a block device"/);
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0, stderr);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('makes its own socket 0660 with --socket and --group, and refuses bad usage', async () => {
    const sock = join(dir, 'own.sock');
    const child = spawn(process.execPath, ['--jitless', '--import', 'tsx', MAIN, 'mount-helper', '--root', join(dir, 'media'), '--socket', sock, '--group', '65534'], { stdio: 'ignore', env: { ...process.env, NODE_ENV: 'test' } });
    try {
      assert.equal(await answered(sock), '{"ok":true,"unmounted":[]}');
      const st = await stat(sock);
      assert.equal((st.mode & 0o777).toString(8), '660');
      assert.equal(st.gid, 65534);
      child.kill('SIGTERM');
      assert.equal(await exited(child), 0);
      await assert.rejects(stat(sock), { code: 'ENOENT' }, 'its socket file is removed');
    } finally {
      child.kill('SIGKILL');
    }
    const bad = spawn(process.execPath, ['--import', 'tsx', MAIN, 'mount-helper', '--root', join(dir, 'media'), '--socket', sock, '--fs', 'vfat'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    bad.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    assert.equal(await exited(bad), 2);
    assert.match(err, /--fs: vfat is not ext4 or exfat/);
  });
});
