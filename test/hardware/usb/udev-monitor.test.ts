import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import type { DeviceEvent } from '../../../hardware/usb/block-event.js';
import { classifyDevice } from '../../../hardware/usb/classify.js';
import { Mounter } from '../../../hardware/usb/mounter.js';
import { UdevMonitor, type MonitorState } from '../../../hardware/usb/udev-monitor.js';
import { ensureUdevd, LoopLab, loopSkipReason } from './loop-device.js';

/**
 * The real thing: systemd-udevd (ours if none runs), `udevadm monitor` as a
 * supervised child, loop devices plugged and pulled like USB drives, and the
 * mounter on what the monitor reports. Loop devices have no ID_BUS=usb, so the
 * classifier runs with requireUsb: false here.
 */
const skip = loopSkipReason();
const config = { allowedFilesystems: ['ext4', 'exfat'], requireUsb: false };

const next = <T>(o: Observable<T>, pred: (v: T) => boolean, ms = 10_000): Promise<T> => firstValueFrom(o.pipe(filter(pred), timeout(ms)));
const partitionEvent = (image: { loop: string }, action: string) => (e: DeviceEvent) => e.action === action && e.devname === `${image.loop}p1`;

describe('udev monitor on real block devices', { skip: skip && `skipped: ${skip} (the parsers run on recorded output in monitor-parser.test.ts)` }, () => {
  let lab: LoopLab;
  let udevd: Awaited<ReturnType<typeof ensureUdevd>> | undefined;
  let monitor: UdevMonitor | undefined;
  let ext4: string;
  let exfat: string;

  before(async () => {
    lab = await LoopLab.create();
    udevd = await ensureUdevd();
    ext4 = await lab.makeImage('ext4', 'ext4', 'PURSER-E4');
    exfat = await lab.makeImage('exfat', 'exfat', 'PURSER-XF');
  });

  after(async () => {
    await monitor?.stop();
    await lab?.cleanup();
    await udevd?.stop();
  });

  it('enumerates a drive plugged in before it started (coldplug), then hears it pulled', async () => {
    const stick = lab.plug(ext4);
    // Plugged "before it started": udev has seen it, or the add would arrive live after start().
    await lab.probed(stick);
    monitor = new UdevMonitor({ backoff: { initialMs: 200, maxMs: 1000 } });
    const seen: DeviceEvent[] = [];
    monitor.events$.subscribe((e) => seen.push(e));
    await monitor.start();
    assert.equal(monitor.state.state, 'running', monitor.state.detail);
    assert.equal(monitor.state.detail, 'listening');
    const cold = seen.find((e) => e.devname === stick.node);
    assert.ok(cold, `coldplug lists ${stick.node}`);
    assert.equal(cold.action, 'add');
    assert.equal(cold.coldplug, true);
    assert.equal(cold.idFsType, 'ext4');
    assert.equal(cold.idFsLabel, 'PURSER-E4');
    assert.equal(cold.removable, false, 'sysfs says a loop device is not removable');
    assert.equal(monitor.devices.get(cold.devpath)?.idFsType, 'ext4');

    const removed = next(monitor.events$, partitionEvent(stick, 'remove'));
    await lab.unplug(stick);
    const ev = await removed;
    assert.equal(ev.coldplug, undefined, 'heard live');
    assert.equal(monitor.devices.has(cold.devpath), false, 'gone from the device map');
  });

  it('hears a live exFAT add, mounts it read-only (writes fail with EROFS), and hears it pulled', async () => {
    assert.ok(monitor);
    const mounter = new Mounter({ mountRoot: join(lab.dir, 'media') });
    const added = next(monitor.events$, (e) => e.action === 'add' && e.idFsType === 'exfat' && e.idFsLabel === 'PURSER-XF');
    const stick = lab.plug(exfat);
    const ev = await added;
    assert.equal(ev.devname, stick.node);
    assert.equal(ev.coldplug, undefined);
    const verdict = classifyDevice(ev, config);
    assert.equal(verdict.kind, 'candidate-content-drive');
    assert.equal(classifyDevice(ev, { ...config, requireUsb: true }).kind, 'ignored', 'not a USB drive when USB is required');
    if (verdict.kind !== 'candidate-content-drive') return;

    const drive = await mounter.mount({ devname: verdict.devname, fsType: verdict.fsType, name: verdict.label });
    assert.equal(drive.kernelFsType, 'fuseblk');
    for (const f of ['ro', 'nosuid', 'nodev', 'noexec']) assert.ok(drive.mountOptions.includes(f), `${f} in ${drive.mountOptions}`);
    await assert.rejects(writeFile(join(drive.mountPoint, 'x'), 'x'), { code: 'EROFS' });
    await mounter.unmount(drive.mountPoint);

    const removed = next(monitor.events$, partitionEvent(stick, 'remove'));
    await lab.unplug(stick);
    await removed;
  });

  it('restarts udevadm monitor when it is killed, and still hears drives afterwards', async () => {
    assert.ok(monitor);
    const pid = monitor.state.pid;
    assert.ok(pid);
    const states: MonitorState[] = [];
    const sub = monitor.state$.subscribe((s) => states.push(s));
    const restarting = next(monitor.state$, (s) => s.state === 'restarting');
    process.kill(pid, 'SIGKILL');
    const r = await restarting;
    assert.match(r.detail, /udevadm monitor exited \(SIGKILL\); restarting in \d+ ms/);
    const running = await next(monitor.state$, (s) => s.state === 'running');
    assert.notEqual(running.pid, pid);
    assert.equal(running.restarts, 1);
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the old child is gone');
    sub.unsubscribe();

    // Heard live or enumerated on restart: either way the drive is not missed.
    const added = next(monitor.events$, (e) => e.action === 'add' && e.idFsLabel === 'PURSER-E4');
    const stick = lab.plug(ext4);
    assert.equal((await added).devname, stick.node);
    await lab.unplug(stick);
  });

  it('reports a drive plugged in while the monitor was down as coldplug on restart', async () => {
    assert.ok(monitor);
    // Long backoff so the drive is surely plugged while no monitor runs.
    await monitor.stop();
    monitor = new UdevMonitor({ backoff: { initialMs: 1500, maxMs: 1500 }, random: () => 1 });
    await monitor.start();
    const pid = monitor.state.pid!;
    const added = next(monitor.events$, (e) => e.action === 'add' && e.idFsLabel === 'PURSER-XF');
    process.kill(pid, 'SIGKILL');
    await next(monitor.state$, (s) => s.state === 'restarting');
    const stick = lab.plug(exfat);
    const ev = await added;
    assert.equal(ev.devname, stick.node);
    assert.equal(ev.coldplug, true, 'found by enumeration, not heard live');
    await lab.unplug(stick);
  });

  it('stops its child on stop(): no udevadm left behind, state down', async () => {
    assert.ok(monitor);
    await next(monitor.state$, (s) => s.state === 'running');
    const pid = monitor.state.pid!;
    await monitor.stop();
    assert.equal(monitor.state.state, 'down');
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    monitor = undefined;
  });
});
