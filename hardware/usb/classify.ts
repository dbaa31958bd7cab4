import type { DeviceEvent } from './block-event.js';

/**
 * Decides, from one device event alone, whether it is a content drive Purser
 * may mount. Pure. A refusal carries a reason written for the crew (it is shown
 * as is) and a stable code for programs. `ignored` is for things that are not
 * the crew's business (internal disks, a disk whose partitions are judged one
 * by one, a hub, a device that went away).
 */

export interface ClassifyConfig {
  /** Filesystem types (udev ID_FS_TYPE) accepted, e.g. ['ext4', 'exfat']. */
  allowedFilesystems: readonly string[];
  /**
   * Only devices on USB are candidates. Turn off to accept devices with no
   * ID_BUS=usb, such as loop devices in tests and bench rigs.
   */
  requireUsb: boolean;
}

export type RefusalCode =
  | 'not-mass-storage'
  | 'optical'
  | 'no-filesystem'
  | 'encrypted'
  | 'raid-member'
  | 'unsupported-filesystem'
  | 'no-device-node';

export type Classification =
  | {
      kind: 'candidate-content-drive';
      devname: string;
      fsType: string;
      label: string | undefined;
      uuid: string | undefined;
    }
  | { kind: 'refused'; code: RefusalCode; reason: string }
  | { kind: 'ignored'; reason: string };

/** USB interface classes (usb.org "Defined Class Codes") as the crew would name them. */
const USB_CLASS_NAMES: Record<string, string> = {
  '01': 'USB audio device',
  '02': 'USB network or modem adapter',
  '03': 'USB input device',
  '05': 'USB physical-interface device',
  '06': 'USB camera or scanner',
  '07': 'USB printer',
  '0a': 'USB network or modem adapter',
  '0b': 'USB smart-card reader',
  '0e': 'USB video device',
  '0f': 'USB health device',
  '10': 'USB audio/video device',
  'e0': 'USB wireless adapter (Bluetooth or Wi-Fi)',
  'ef': 'USB multi-function device',
  'fe': 'USB application-specific device',
  'ff': 'USB vendor-specific device',
};

const MASS_STORAGE_DRIVERS = new Set(['usb-storage', 'uas']);
/** MBR types of extended-partition containers: they hold partitions, not a filesystem. */
const EXTENDED_PARTITION_TYPES = new Set(['0x5', '0xf', '0x85']);

export function isOnUsb(ev: DeviceEvent): boolean {
  return ev.idBus === 'usb' || ev.props.has('ID_USB_DRIVER') || /\/usb\d+\//.test(ev.devpath);
}

export function classifyDevice(ev: DeviceEvent, config: ClassifyConfig): Classification {
  if (ev.action === 'remove') return { kind: 'ignored', reason: 'the device was removed' };
  if (ev.subsystem === 'usb') return classifyUsbDevice(ev);
  if (ev.subsystem !== 'block') return { kind: 'ignored', reason: `not a block device (${ev.subsystem ?? 'no subsystem'})` };

  const usb = isOnUsb(ev);
  if (config.requireUsb && !usb) return { kind: 'ignored', reason: 'not on USB (an internal disk or a loop device)' };
  if (ev.props.get('ID_CDROM') === '1') return refused('optical', 'a USB CD or DVD drive is not allowed');
  if (usb && ev.idUsbDriver !== undefined && !MASS_STORAGE_DRIVERS.has(ev.idUsbDriver)) {
    return refused('not-mass-storage', `a USB device using the ${ev.idUsbDriver} driver is not a mass-storage drive`);
  }
  if (ev.devtype !== 'disk' && ev.devtype !== 'partition') return { kind: 'ignored', reason: `not a disk or partition (${ev.devtype ?? 'no type'})` };

  if (ev.idFsType === undefined || ev.idFsType === '') {
    if (ev.devtype === 'disk' && ev.props.has('ID_PART_TABLE_TYPE')) {
      return { kind: 'ignored', reason: 'a partitioned disk: its partitions are judged one by one' };
    }
    if (ev.devtype === 'partition' && EXTENDED_PARTITION_TYPES.has(ev.props.get('ID_PART_ENTRY_TYPE') ?? '')) {
      return { kind: 'ignored', reason: 'an extended partition: the partitions inside it are judged one by one' };
    }
    // Loop devices with nothing attached look like empty disks; only USB ones are the crew's business.
    if (!usb) return { kind: 'ignored', reason: 'no filesystem' };
    return refused('no-filesystem', 'no filesystem found on the drive');
  }
  if (ev.idFsUsage === 'crypto') return refused('encrypted', `encrypted drives are not supported (${ev.idFsType})`);
  if (ev.idFsUsage === 'raid') return refused('raid-member', `drives that are part of a RAID set are not supported (${ev.idFsType})`);
  if (!config.allowedFilesystems.includes(ev.idFsType)) {
    return refused('unsupported-filesystem', `unsupported filesystem ${ev.idFsType} (use ${config.allowedFilesystems.join(' or ')})`);
  }
  if (ev.devname === undefined || !ev.devname.startsWith('/dev/')) return refused('no-device-node', 'the drive has no device node');
  return { kind: 'candidate-content-drive', devname: ev.devname, fsType: ev.idFsType, label: ev.idFsLabel, uuid: ev.idFsUuid };
}

/**
 * Whole USB devices (SUBSYSTEM=usb, DEVTYPE=usb_device), when the monitor also
 * watches the usb subsystem: tells the crew why a keyboard or a phone does
 * nothing. Mass storage and hubs are ignored here: the drive's block devices
 * are judged on their own, and a drive may sit behind a hub.
 */
function classifyUsbDevice(ev: DeviceEvent): Classification {
  if (ev.devtype !== 'usb_device') return { kind: 'ignored', reason: 'a USB interface (its device is judged as a whole)' };
  const interfaces = (ev.props.get('ID_USB_INTERFACES') ?? '')
    .split(':')
    .filter((s) => /^[0-9a-fA-F]{6}$/.test(s))
    .map((s) => s.toLowerCase());
  const classes = new Set(interfaces.map((s) => s.slice(0, 2)));
  if (classes.has('08')) return { kind: 'ignored', reason: 'USB mass storage: its block devices are judged one by one' };
  if (classes.size > 0 && [...classes].every((c) => c === '09')) return { kind: 'ignored', reason: 'a USB hub' };
  if (interfaces.some((s) => s === '030101')) return refused('not-mass-storage', 'a USB keyboard is not allowed');
  if (interfaces.some((s) => s === '030102')) return refused('not-mass-storage', 'a USB mouse is not allowed');
  const named = [...classes].map((c) => USB_CLASS_NAMES[c]).find((n) => n !== undefined);
  return refused('not-mass-storage', `a ${named ?? 'USB device that is not a drive'} is not allowed`);
}

function refused(code: RefusalCode, reason: string): Classification {
  return { kind: 'refused', code, reason };
}
