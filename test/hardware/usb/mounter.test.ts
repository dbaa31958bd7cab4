import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, open, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Mounter, MountError, safeName } from '../../../hardware/usb/mounter.js';
import { readMountinfo } from '../../../hardware/usb/mountinfo.js';
import { LoopLab, loopSkipReason } from './loop-device.js';

/** The mounter on real loop partitions; no udevd needed (the kernel makes the nodes). */
const skip = loopSkipReason();

describe('mounter on real block devices', { skip: skip && `skipped: ${skip} (mountinfo parsing runs on a recorded table in mountinfo.test.ts)` }, () => {
  let lab: LoopLab;
  let mounter: Mounter;
  let ext4: string;
  let exfat: string;

  before(async () => {
    lab = await LoopLab.create();
    mounter = new Mounter({ mountRoot: join(lab.dir, 'media') });
    ext4 = await lab.makeImage('m-ext4', 'ext4', 'M-E4');
    exfat = await lab.makeImage('m-exfat', 'exfat', 'M-XF', { partitioned: false });
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('says which filesystems this machine can mount', async () => {
    const fs = await mounter.supportedFilesystems();
    assert.ok(fs.includes('ext4'));
    assert.ok(fs.includes('exfat'), 'through exfat-fuse, since this kernel has no exfat');
  });

  it('mounts ext4 read-only, nosuid, nodev, noexec; files read, writes fail with EROFS', async () => {
    // Put a file on the drive first, through a writable mount we make ourselves.
    const stick = lab.plug(ext4);
    const rw = join(lab.dir, 'rw');
    await mkdir(rw);
    await promisify(execFile)('mount', [stick.node, rw]);
    await writeFile(join(rw, 'movie.txt'), 'feature film');
    await promisify(execFile)('umount', [rw]);

    const drive = await mounter.mount({ devname: stick.node, fsType: 'ext4', name: '../M E4' });
    assert.equal(drive.mountPoint, join(lab.dir, 'media', '__M_E4'));
    assert.equal(drive.kernelFsType, 'ext4');
    assert.deepEqual(
      ['ro', 'nosuid', 'nodev', 'noexec'].filter((f) => !drive.mountOptions.includes(f)),
      [],
    );
    assert.ok(drive.superOptions.includes('norecovery'), 'the journal is never replayed onto the drive');
    assert.deepEqual(await readdir(drive.mountPoint).then((l) => l.filter((n) => n !== 'lost+found')), ['movie.txt']);
    await assert.rejects(writeFile(join(drive.mountPoint, 'movie.txt'), 'overwritten'), { code: 'EROFS' });
    const again = await mounter.mount({ devname: stick.node, fsType: 'ext4', name: '../M E4' });
    assert.equal(again.mountPoint, drive.mountPoint, 'asked again for the same device: the same mount, not a second one');
    assert.deepEqual(await mounter.unmount(drive.mountPoint), { lazy: false });
    await assert.rejects(stat(drive.mountPoint), { code: 'ENOENT' }, 'the directory is removed');
    await lab.unplug(stick);
  });

  it('mounts a whole-disk exFAT through exfat-fuse and still gets noexec (which exfat-fuse drops)', async () => {
    const stick = lab.plug(exfat, false);
    const drive = await mounter.mount({ devname: stick.node, fsType: 'exfat' });
    assert.equal(drive.kernelFsType, 'fuseblk');
    assert.ok(drive.mountOptions.includes('noexec'), drive.mountOptions.join(','));
    assert.ok(drive.superOptions.includes('ro'));
    await assert.rejects(writeFile(join(drive.mountPoint, 'x'), 'x'), { code: 'EROFS' });
    await mounter.unmount(drive.mountPoint);
    await lab.unplug(stick);
  });

  it('detaches lazily when a plain umount fails (a reader still holds a file)', async () => {
    const stick = lab.plug(ext4);
    const drive = await mounter.mount({ devname: stick.node, fsType: 'ext4' });
    const fh = await open(join(drive.mountPoint, 'movie.txt'));
    try {
      assert.deepEqual(await mounter.unmount(drive.mountPoint), { lazy: true });
      assert.equal((await readMountinfo()).some((m) => m.mountPoint === drive.mountPoint), false);
      assert.equal((await fh.readFile('utf8')), 'feature film', 'the open file still reads');
    } finally {
      await fh.close();
    }
    await lab.unplug(stick);
  });

  it('unmounts what a previous run left under the root', async () => {
    const stick = lab.plug(ext4);
    await mounter.mount({ devname: stick.node, fsType: 'ext4', name: 'left-over' });
    const fresh = new Mounter({ mountRoot: join(lab.dir, 'media') });
    assert.deepEqual(await fresh.unmountStale(), [join(lab.dir, 'media', 'left-over')]);
    assert.deepEqual(await fresh.mounted(), []);
    await lab.unplug(stick);
  });

  it('runs mount and umount through a command prefix (the door sudo -n would be)', async () => {
    const stick = lab.plug(ext4);
    const viaEnv = new Mounter({ mountRoot: join(lab.dir, 'media'), commandPrefix: ['env', 'LC_ALL=C'] });
    const drive = await viaEnv.mount({ devname: stick.node, fsType: 'ext4', name: 'prefixed' });
    assert.ok(drive.mountOptions.includes('noexec'));
    await viaEnv.unmount(drive.mountPoint);
    const broken = new Mounter({ mountRoot: join(lab.dir, 'media'), commandPrefix: ['false'] });
    await assert.rejects(broken.mount({ devname: stick.node, fsType: 'ext4', name: 'never' }), MountError, 'a prefix that fails fails the mount');
    await lab.unplug(stick);
  });

  it('refuses what is not a plugged block device or not an allowed filesystem', async () => {
    await assert.rejects(mounter.mount({ devname: '/etc/passwd', fsType: 'ext4' }), /not a device path/);
    await assert.rejects(mounter.mount({ devname: '/dev/../etc/passwd', fsType: 'ext4' }), /not a device path/);
    await assert.rejects(mounter.mount({ devname: '/dev/null', fsType: 'ext4' }), /not a block device/);
    await assert.rejects(mounter.mount({ devname: '/dev/loop-gone-p9', fsType: 'ext4' }), /not a block device \(unplugged\?\)/);
    const stick = lab.plug(ext4);
    await assert.rejects(mounter.mount({ devname: stick.node, fsType: 'vfat' }), /unsupported filesystem vfat/);
    // A wrong type: mount(8) fails, and nothing is left mounted or created.
    await assert.rejects(mounter.mount({ devname: stick.node, fsType: 'exfat', name: 'wrong' }), MountError);
    await assert.rejects(stat(join(lab.dir, 'media', 'wrong')), { code: 'ENOENT' });
    assert.deepEqual(await mounter.mounted(), []);
    await assert.rejects(mounter.unmount('/tmp'), /is not under/);
    await lab.unplug(stick);
  });

  it('names directories safely from untrusted labels', () => {
    assert.equal(safeName('../../etc'), '__.._etc');
    assert.equal(safeName('..'), '_');
    assert.equal(safeName(''), '_');
    assert.equal(safeName('Fl\u00fcge 2024'), 'Fl_ge_2024');
    assert.ok(!safeName('a/b').includes('/'));
  });
});
