import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { deviceEventFrom } from '../../../hardware/usb/block-event.js';
import { classifyDevice, type ClassifyConfig } from '../../../hardware/usb/classify.js';
import { parseMonitorOutput } from '../../../hardware/usb/monitor-parser.js';
import { fixture } from './fixtures.js';

const usbOnly: ClassifyConfig = { allowedFilesystems: ['ext4', 'exfat'], requireUsb: true };
const loopsToo: ClassifyConfig = { allowedFilesystems: ['ext4', 'exfat'], requireUsb: false };
const events = (name: string) => parseMonitorOutput(fixture(name)).events;

describe('content-drive classifier', () => {
  it('accepts a recorded ext4 and exFAT loop partition only when loop devices are allowed', () => {
    for (const [name, fs] of [['monitor-ext4-partition.txt', 'ext4'], ['monitor-exfat-partition.txt', 'exfat']] as const) {
      const add = events(name).find((e) => e.action === 'add')!;
      assert.deepEqual(classifyDevice(add, loopsToo), { kind: 'candidate-content-drive', devname: '/dev/loop0p1', fsType: fs, label: add.idFsLabel, uuid: add.idFsUuid });
      assert.equal(classifyDevice(add, usbOnly).kind, 'ignored', 'a loop device is not a USB drive');
    }
  });

  it('accepts a whole-disk filesystem and ignores a partitioned disk, a removal and an empty loop', () => {
    const evs = events('monitor-swap-and-whole-disk.txt');
    const whole = evs.find((e) => e.idFsLabel === 'PURSER-WHOLE')!;
    assert.equal(classifyDevice(whole, loopsToo).kind, 'candidate-content-drive');
    const partitioned = evs.find((e) => e.devname === '/dev/loop0' && e.props.has('ID_PART_TABLE_TYPE'))!;
    assert.match((classifyDevice(partitioned, loopsToo) as { reason: string }).reason, /partitions are judged one by one/);
    assert.equal(classifyDevice(evs.find((e) => e.action === 'remove')!, loopsToo).kind, 'ignored');
    const swap = evs.find((e) => e.idFsType === 'swap' && e.action === 'add')!;
    assert.deepEqual(classifyDevice(swap, loopsToo), { kind: 'refused', code: 'unsupported-filesystem', reason: 'unsupported filesystem swap (use ext4 or exfat)' });
  });

  it('tells the crew why USB things are refused', () => {
    const byName = new Map(events('synthetic-usb-devices.txt').map((e) => [e.devname, classifyDevice(e, usbOnly)]));
    const reason = (n: string) => {
      const c = byName.get(n);
      return c?.kind === 'refused' ? c.reason : c?.kind;
    };
    assert.equal(reason('/dev/bus/usb/001/004'), 'a USB keyboard is not allowed');
    assert.equal(byName.get('/dev/sdb')?.kind, 'ignored', 'the stick itself: its partition decides');
    assert.equal(reason('/dev/sdb1'), 'unsupported filesystem vfat (use ext4 or exfat)');
    assert.equal(byName.get('/dev/sdc1')?.kind, 'candidate-content-drive');
    assert.equal(reason('/dev/sr1'), 'a USB CD or DVD drive is not allowed');
    assert.equal(reason('/dev/sdd1'), 'encrypted drives are not supported (crypto_LUKS)');
    assert.equal(reason('/dev/bus/usb/001/009'), 'a USB camera or scanner is not allowed');
  });

  it('refuses a USB partition with no filesystem but ignores a bare loop device', () => {
    const props = (extra: Record<string, string>) => new Map(Object.entries({ SUBSYSTEM: 'block', DEVTYPE: 'partition', DEVNAME: '/dev/sde1', ...extra }));
    assert.deepEqual(classifyDevice(deviceEventFrom(props({ ID_BUS: 'usb', ID_USB_DRIVER: 'usb-storage' }), 'add', '/devices/p/usb1/1-1/block/sde/sde1'), usbOnly), {
      kind: 'refused',
      code: 'no-filesystem',
      reason: 'no filesystem found on the drive',
    });
    assert.equal(classifyDevice(deviceEventFrom(props({}), 'change', '/devices/virtual/block/loop3'), loopsToo).kind, 'ignored');
  });

  it('never throws and never makes a candidate of a filesystem that is not allowed (fuzz)', () => {
    const key = fc.constantFrom('SUBSYSTEM', 'DEVTYPE', 'DEVNAME', 'ID_BUS', 'ID_FS_TYPE', 'ID_FS_USAGE', 'ID_USB_DRIVER', 'ID_USB_INTERFACES', 'ID_CDROM', 'ID_PART_TABLE_TYPE', '__proto__', 'constructor');
    const value = fc.oneof(fc.constantFrom('block', 'usb', 'disk', 'partition', 'usb_device', 'ext4', 'exfat', 'vfat', 'crypto', '/dev/sdz1', 'uas', ':030101:', ':080650:', '1', ''), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 12 }), fc.constantFrom('add', 'change', 'remove', 'bind'), fc.boolean(), (pairs, action, requireUsb) => {
        const ev = deviceEventFrom(new Map(pairs), action, '/devices/x');
        const c = classifyDevice(ev, { allowedFilesystems: ['ext4', 'exfat'], requireUsb });
        if (c.kind === 'candidate-content-drive') {
          assert.ok(['ext4', 'exfat'].includes(c.fsType));
          assert.ok(c.devname.startsWith('/dev/'));
          assert.equal(ev.subsystem, 'block');
          if (requireUsb) assert.equal(ev.idBus === 'usb' || ev.props.has('ID_USB_DRIVER'), true);
        } else {
          assert.ok(c.reason.length > 0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
