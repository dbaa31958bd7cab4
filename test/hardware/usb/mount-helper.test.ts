import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { MountHelperClient } from '../../../hardware/usb/mount-helper/client.js';
import { LineSplitter, MAX_REQUEST_BYTES, parseRequest } from '../../../hardware/usb/mount-helper/protocol.js';
import { MountHelperServer } from '../../../hardware/usb/mount-helper/server.js';
import { Mounter } from '../../../hardware/usb/mounter.js';
import { parseMountinfo, readMountinfo } from '../../../hardware/usb/mountinfo.js';
import { LoopLab, loopSkipReason } from './loop-device.js';
import { run } from '../../systemd/helpers.js';

const NOBODY = 65534;
const CHILD = new URL('./mount-helper-child.ts', import.meta.url).pathname;

const runAs = (uid: number, gid: number, cmd: string[]) => run('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', ...cmd], { timeoutMs: 60_000 });

/** Sends raw lines on one connection and collects one answer per line. */
function exchange(path: string, payload: string, answers: number): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`got only: ${buf}`)), 10_000);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(payload));
    s.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n').filter(Boolean);
      if (lines.length >= answers) {
        clearTimeout(timer);
        s.destroy();
        resolve(lines.map((l) => JSON.parse(l) as Record<string, unknown>));
      }
    });
    s.on('error', reject);
  });
}

describe('mount helper request parser', () => {
  it('never throws, and accepts only the three requests with their own keys', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (line) => {
        const r = parseRequest(line);
        if (r.ok) assert.ok(['mount', 'unmount', 'unmountStale'].includes(r.request.op));
        else assert.equal(typeof r.error, 'string');
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.record({ op: fc.constantFrom('mount', 'unmount', 'unmountStale', 'format'), devname: fc.string(), fsType: fc.string(), mountPoint: fc.string(), options: fc.string() }, { requiredKeys: ['op'] }), (o) => {
        const r = parseRequest(JSON.stringify(o));
        // A client can never pass mount options, and no request carries a key of another op.
        if ('options' in o || o.op === 'format') assert.equal(r.ok, false);
      }),
      { numRuns: 1000 },
    );
    assert.deepEqual(parseRequest('{"op":"mount","devname":"/dev/sdb1","fsType":"ext4","name":"MAY"}'), { ok: true, request: { op: 'mount', devname: '/dev/sdb1', fsType: 'ext4', name: 'MAY' } });
    assert.match((parseRequest('x'.repeat(MAX_REQUEST_BYTES + 1)) as { error: string }).error, /longer than/);
    assert.match((parseRequest('{"op":"mount","devname":"/dev/sdb1","fsType":"ext4","options":"rw"}') as { error: string }).error, /only devname/);
  });

  it('splits any chunking into the same lines, and reports a line that is too long once', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 50 }).map((s) => s.replace(/[\n\r]/g, '')), { maxLength: 8 }), fc.array(fc.nat(40), { maxLength: 10 }), (lines, cuts) => {
        const text = lines.map((l) => `${l}\n`).join('');
        const got: string[] = [];
        const sp = new LineSplitter((l) => got.push(l), () => assert.fail('not oversize'));
        let at = 0;
        for (const c of cuts) {
          sp.push(text.slice(at, at + c));
          at += c;
        }
        sp.push(text.slice(at));
        assert.deepEqual(got, lines);
      }),
    );
    let over = 0;
    const got: string[] = [];
    const sp = new LineSplitter((l) => got.push(l), () => over++, 10);
    sp.push('x'.repeat(8));
    sp.push('x'.repeat(8));
    sp.push('x'.repeat(8) + '\nok\n');
    assert.equal(over, 1);
    assert.deepEqual(got, ['ok']);
  });
});

describe('mount helper client without a helper', () => {
  it('says at once that the helper does not answer when nothing listens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-mh-'));
    try {
      const client = new MountHelperClient({ socketPath: join(dir, 'mount.sock') });
      const t0 = performance.now();
      await assert.rejects(client.mount({ devname: '/dev/sdb1', fsType: 'ext4' }), /^MountError: cannot mount: the mount helper does not answer/);
      assert.ok(performance.now() - t0 < 1000);
      await assert.rejects(client.unmountStale(), /cannot unmount: the mount helper does not answer/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives up within its deadline on a helper that accepts but never answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-mh-'));
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(join(dir, 'mount.sock'), r));
    try {
      const client = new MountHelperClient({ socketPath: join(dir, 'mount.sock'), timeoutMs: 300 });
      const t0 = performance.now();
      await assert.rejects(client.mount({ devname: '/dev/sdb1', fsType: 'ext4' }), /cannot mount: the mount helper does not answer \(no answer within 300 ms\)/);
      assert.ok(performance.now() - t0 < 1500);
    } finally {
      silent.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('mount helper deadlines', () => {
  it('answers a mount that hangs within its deadline, on the same connection, and undoes it if it finishes later', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-mh-'));
    const unmounted: string[] = [];
    let finish: () => void = () => undefined;
    const slow = {
      mountRoot: join(dir, 'media'),
      mount: () => new Promise<never>((res) => (finish = () => res({ devname: '/dev/null', fsType: 'ext4', mountPoint: join(dir, 'media', 'LATE'), kernelFsType: 'ext4', mountOptions: [], superOptions: [] } as never))),
      unmount: async (mp: string) => (unmounted.push(mp), { lazy: false }),
      unmountStale: async () => [],
    };
    const server = new MountHelperServer({ mounter: slow, allowedFilesystems: ['ext4'], requestTimeoutMs: 200 });
    // The helper checks the device before the (stub) mounter sees it: name one this machine has.
    const block = ['/dev/loop0', '/dev/vda', '/dev/sda', '/dev/nvme0n1'].find((p) => statSync(p, { throwIfNoEntry: false })?.isBlockDevice());
    if (!block) {
      await rm(dir, { recursive: true, force: true });
      return t.skip('no block device on this machine to name');
    }
    await server.listen({ path: join(dir, 'mount.sock') });
    try {
      const t0 = performance.now();
      const answers = await exchange(join(dir, 'mount.sock'), `${JSON.stringify({ op: 'mount', devname: block, fsType: 'ext4' })}\n{"op":"unmountStale"}\n`, 2);
      assert.match(String(answers[0]!.error), /mount did not finish within 200 ms/);
      assert.deepEqual(answers[1], { ok: true, unmounted: [] }, 'the next request on the connection is answered');
      assert.ok(performance.now() - t0 < 2000);
      assert.equal(server.stats.timeouts, 1);
      finish();
      await sleep(50);
      assert.deepEqual(unmounted, [join(dir, 'media', 'LATE')], 'a mount nobody waits for any more is undone');
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const skip = loopSkipReason();

describe('mount helper on real block devices', { skip: skip && `skipped: ${skip}` }, () => {
  let lab: LoopLab;
  let sockDir: string;
  let sock: string;
  let server: MountHelperServer;
  let root: string;
  let devname: string;

  before(async () => {
    lab = await LoopLab.create();
    // The unprivileged child must reach the mounts and the socket: these two temp dirs only, never /tmp.
    await chmod(lab.dir, 0o755);
    root = join(lab.dir, 'media');
    await mkdir(root, { mode: 0o755 });
    const tree = join(lab.dir, 'tree');
    await mkdir(tree);
    await writeFile(join(tree, 'movie.txt'), 'feature film');
    const image = await lab.makeImage('mh-ext4', 'ext4', 'MH', { tree });
    devname = lab.plug(image).node;
    sockDir = await mkdtemp(join(tmpdir(), 'purser-mh-'));
    await chmod(sockDir, 0o711);
    sock = join(sockDir, 'mount.sock');
    server = new MountHelperServer({ mounter: new Mounter({ mountRoot: root }), allowedFilesystems: ['ext4', 'exfat'], requestTimeoutMs: 25_000 });
    await server.listen({ path: sock, gid: NOBODY });
  });

  after(async () => {
    await server?.close();
    await lab?.cleanup();
    if (sockDir) await rm(sockDir, { recursive: true, force: true });
  });

  it('the socket is 0660 root:<controller group>', async () => {
    const st = await stat(sock);
    assert.ok(st.isSocket());
    assert.equal((st.mode & 0o777).toString(8), '660');
    assert.equal(st.uid, 0);
    assert.equal(st.gid, NOBODY);
  });

  it('an unprivileged uid mounts, reads and unmounts a real drive through the helper; mount(8) itself refuses it', async () => {
    const r = await runAs(NOBODY, NOBODY, [process.execPath, '--import', 'tsx', CHILD, sock, devname, 'movie.txt']);
    const out = JSON.parse(r.stdout || '{}') as { uid?: number; text?: string; mountPoint?: string; mountOptions?: string[]; error?: string; unmounted?: { lazy: boolean } };
    assert.equal(out.error, undefined, `${r.stdout} ${r.stderr}`);
    assert.equal(out.uid, NOBODY);
    assert.equal(out.text, 'feature film');
    assert.equal(out.mountPoint, join(root, 'CHILD'));
    for (const f of ['ro', 'nosuid', 'nodev', 'noexec']) assert.ok(out.mountOptions?.includes(f), f);
    assert.deepEqual(out.unmounted, { lazy: false });
    assert.equal((await readMountinfo()).filter((m) => m.source === devname).length, 0, 'nothing left mounted');

    // The same uid, even holding CAP_SYS_ADMIN, cannot mount by itself: why the helper exists.
    const target = join(lab.dir, 'direct');
    await mkdir(target, { mode: 0o777 });
    const direct = await runAs(NOBODY, NOBODY, ['--inh-caps=+sys_admin', '--ambient-caps=+sys_admin', 'mount', '-t', 'ext4', '-o', 'ro', devname, target]);
    assert.notEqual(direct.code, 0);
    assert.match(direct.stderr, /must be superuser|permission denied/i);
    assert.equal((await readMountinfo()).filter((m) => m.mountPoint === target).length, 0);
  });

  it('its mounts and unmounts reach a mount namespace that is a slave of its own, as purser.service (PrivateMounts=yes) is of the host', async () => {
    const sh = promisify(execFile);
    // On a host systemd makes / shared; here the mount root is made a shared mount of its own, the same thing in small.
    await sh('mount', ['--bind', root, root]);
    await sh('mount', ['--make-shared', root]);
    const self = await readlink('/proc/self/ns/mnt');
    const namespace = async (propagation: 'slave' | 'private') => {
      const child = spawn('unshare', ['--mount', `--propagation=${propagation}`, 'sleep', '60'], { stdio: 'ignore' });
      for (let i = 0; i < 100 && (await readlink(`/proc/${child.pid}/ns/mnt`).catch(() => self)) === self; i++) await sleep(20);
      return child;
    };
    const controller = await namespace('slave');
    const isolated = await namespace('private');
    try {
      const seen = async (pid: number | undefined, mp: string) => parseMountinfo(await readFile(`/proc/${pid}/mountinfo`, 'utf8')).mounts.some((m) => m.mountPoint === mp);
      const client = new MountHelperClient({ socketPath: sock });
      const drive = await client.mount({ devname, fsType: 'ext4', name: 'PROPAGATED' });
      assert.ok(await seen(controller.pid, drive.mountPoint), 'the slave namespace sees the drive');
      assert.equal(await readFile(`/proc/${controller.pid}/root${drive.mountPoint}/movie.txt`, 'utf8'), 'feature film');
      assert.equal(await seen(isolated.pid, drive.mountPoint), false, 'a private namespace (a helper unit with a sandbox of its own, seen from the other side) does not');
      await client.unmount(drive.mountPoint);
      assert.equal(await seen(controller.pid, drive.mountPoint), false, 'the unmount propagates too');
    } finally {
      controller.kill('SIGKILL');
      isolated.kill('SIGKILL');
      await sh('umount', [root]);
    }
  });

  it("never mounts a device already mounted (the head-end's own disks), and with requireUsb only a device on a USB bus", async () => {
    const client = new MountHelperClient({ socketPath: sock });
    const drive = await client.mount({ devname, fsType: 'ext4', name: 'ONCE' });
    try {
      await assert.rejects(client.mount({ devname, fsType: 'ext4', name: 'TWICE' }), /is already mounted at .*ONCE: only a drive nothing uses is mounted/);
    } finally {
      await client.unmount(drive.mountPoint);
    }
    // The disk this machine runs from: whichever block device holds /.
    const rootDev = (await readMountinfo()).find((m) => m.mountPoint === '/' && m.source.startsWith('/dev/'))?.source;
    if (rootDev) await assert.rejects(client.mount({ devname: rootDev, fsType: 'ext4' }), /is already mounted at \/:/);
    const strict = new MountHelperServer({ mounter: new Mounter({ mountRoot: root }), allowedFilesystems: ['ext4'], requireUsb: true });
    const strictSock = join(sockDir, 'strict.sock');
    await strict.listen({ path: strictSock });
    try {
      await assert.rejects(new MountHelperClient({ socketPath: strictSock }).mount({ devname, fsType: 'ext4' }), /is not on a USB bus \(\/sys\/devices\/virtual\/block\/loop/);
    } finally {
      await strict.close();
    }
    assert.equal((await readMountinfo()).filter((m) => m.source === devname).length, 0);
  });

  it('a uid outside the socket group is turned away by the socket file', async () => {
    const r = await runAs(NOBODY, 12345, [process.execPath, '--import', 'tsx', CHILD, sock, devname, 'movie.txt']);
    assert.match(r.stdout, /cannot mount: the mount helper does not answer \(EACCES/);
  });

  it('refuses a non-block device, a filesystem not allowed, a path outside its root, options, and garbage, and keeps serving', async () => {
    const before = { ...server.stats };
    const lines = [
      { op: 'mount', devname: '/dev/null', fsType: 'ext4' },
      { op: 'mount', devname: join(lab.dir, 'mh-ext4.img'), fsType: 'ext4' },
      { op: 'mount', devname: '/dev/../etc/passwd', fsType: 'ext4' },
      { op: 'mount', devname, fsType: 'vfat' },
      { op: 'mount', devname, fsType: 'ext4', options: 'rw,exec' },
      { op: 'unmount', mountPoint: '/etc' },
      { op: 'unmount', mountPoint: `${root}/../../` },
      { op: 'reboot' },
    ].map((o) => JSON.stringify(o));
    const payload = [...lines, 'not json at all', 'x'.repeat(MAX_REQUEST_BYTES + 10), '{"op":"unmountStale"}'].join('\n') + '\n';
    const answers = await exchange(sock, payload, 11);
    const errors = answers.map((a) => String(a.error ?? ''));
    assert.match(errors[0]!, /\/dev\/null is not a block device/);
    assert.match(errors[1]!, /is not a device under \/dev/);
    assert.match(errors[2]!, /is not a device under \/dev/);
    assert.match(errors[3]!, /filesystem "vfat" is not allowed/);
    assert.match(errors[4]!, /mount takes only devname, fsType and name/);
    assert.match(errors[5]!, /\/etc is not a mount point under/);
    assert.match(errors[6]!, /is not a mount point under/);
    assert.match(errors[7]!, /unknown op "reboot"/);
    assert.match(errors[8]!, /not JSON/);
    assert.match(errors[9]!, /too long/);
    assert.deepEqual(answers[10], { ok: true, unmounted: [] }, 'the connection still serves after all that');
    assert.equal(server.stats.refused - before.refused, 6);
    assert.equal(server.stats.malformed - before.malformed, 4);
    assert.equal((await readMountinfo()).filter((m) => m.source === devname).length, 0);
  });
});
