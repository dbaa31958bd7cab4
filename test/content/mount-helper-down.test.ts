import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { MountHelperServer } from '../../hardware/usb/mount-helper/server.js';
import { Mounter } from '../../hardware/usb/mounter.js';
import { validateConfig } from '../../src/app/config.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { contentFeature } from '../../src/content/feature.js';
import type { DriveStatus } from '../../src/content/drives.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { FakeUdevadm, monitorBlocks, removeBlock } from './fake-udevadm.js';

/**
 * The controller configured for the aircraft (content.mountHelperSocket): a
 * content drive plugged while the mount helper is down is refused at once in
 * words crew can read, never left hanging, and is taken to the helper again
 * when it is plugged again. Real udevadm-monitor child (a stand-in udevadm
 * printing recorded udev blocks), real drive manager, real client and helper
 * on a unix socket.
 */
const stick = [...monitorBlocks('synthetic-usb-devices.txt').values()].find((b) => /ID_FS_LABEL=PURSER-CONTENT/.test(b))!;

describe('content drives through the mount helper', () => {
  let udevadm: FakeUdevadm;
  let tc: TestController;
  let dir: string;
  let sock: string;
  let helper: MountHelperServer | undefined;
  const drive = (): DriveStatus | undefined => tc.controller.ctx.need('content').drives.drives.find((d) => d.devname === '/dev/sdc1');

  async function until(what: string, cond: (d: DriveStatus | undefined) => boolean, ms = 10_000): Promise<DriveStatus> {
    const end = Date.now() + ms;
    for (;;) {
      const d = drive();
      if (cond(d)) return d!;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; drive: ${JSON.stringify(d)}`);
      await sleep(25);
    }
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-mh-down-'));
    sock = join(dir, 'mount.sock');
    udevadm = await FakeUdevadm.create();
    tc = await startTestController({ content: { enabled: true, udevadm: udevadm.path, mountHelperSocket: sock, watchUsbDevices: false } }, [commandsFeature(), contentFeature()]);
  });
  after(async () => {
    await tc?.stop();
    await helper?.close();
    await udevadm?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('config: the socket must be an absolute path, named by its key', () => {
    assert.throws(() => validateConfig({ stateDir: dir, content: { mountHelperSocket: 'run/mount.sock' } }, { features: [commandsFeature(), contentFeature()] }), /content\.mountHelperSocket/);
  });

  it('a drive plugged while the helper is down fails at once, clearly; plugged again, it goes to the helper that is back', async () => {
    const t0 = performance.now();
    await udevadm.emit(stick);
    const failed = await until('the drive refused', (d) => d?.state === 'failed');
    assert.ok(performance.now() - t0 < 5000, 'no hang');
    assert.match(failed.message, /^Could not open the drive: cannot mount: the mount helper does not answer \(ENOENT on .*mount\.sock\)\. Remove it and insert it again\.$/);

    // The helper comes back (its own root); the crew pulls the drive and plugs it in again.
    helper = new MountHelperServer({ mounter: new Mounter({ mountRoot: join(dir, 'media') }), allowedFilesystems: ['ext4', 'exfat'] });
    await helper.listen({ path: sock });
    await udevadm.emit(removeBlock(stick, 9100));
    await until('the drive removed', (d) => d?.state === 'removed');
    await udevadm.emit(stick.replace(/^SEQNUM=\d+$/m, 'SEQNUM=9101'));
    // This machine has no /dev/sdc1: the helper's own check answers, which shows the request reached it.
    const again = await until('the helper’s answer', (d) => d?.state === 'failed' && /not a block device/.test(d.message));
    assert.match(again.message, /cannot mount: \/dev\/sdc1 is not a block device/);
    assert.equal(helper.stats.refused, 1);
  });
});
