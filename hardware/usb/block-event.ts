/**
 * One udev device event, typed. Property names and values come from whatever
 * was plugged in (a drive's label, model and serial are chosen by its maker or
 * its owner), so they are kept in a Map: a key such as `__proto__` or
 * `constructor` is just a key. The typed fields are read from the Map and are
 * `undefined` when absent.
 */

/** udev actions; anything else udev may add later is kept as its own string. */
export type UdevAction = 'add' | 'remove' | 'change' | 'move' | 'online' | 'offline' | 'bind' | 'unbind' | (string & {});

export interface DeviceEvent {
  action: UdevAction;
  /** sysfs path without /sys, e.g. /devices/virtual/block/loop0/loop0p1: the device's identity. */
  devpath: string;
  subsystem: string | undefined;
  /** Device node, e.g. /dev/sdb1. */
  devname: string | undefined;
  /** `disk` | `partition` for block devices; `usb_device` | `usb_interface` for usb. */
  devtype: string | undefined;
  /** ID_BUS: `usb`, `ata`, `scsi`, ...; loop devices have none. */
  idBus: string | undefined;
  idFsType: string | undefined;
  /** ID_FS_USAGE: `filesystem`, `crypto`, `raid`, `other`. */
  idFsUsage: string | undefined;
  idFsLabel: string | undefined;
  idFsUuid: string | undefined;
  idUsbDriver: string | undefined;
  idModel: string | undefined;
  idVendor: string | undefined;
  idSerial: string | undefined;
  /** sysfs `removable` of the disk, when the monitor could read it (never for `remove`). */
  removable?: boolean;
  /** True for events the monitor made up from the udev database at (re)start, not heard live. */
  coldplug?: true;
  /** udev's SEQNUM, when the event carried one (live events do; the database does not). */
  seqnum: number | undefined;
  /** Every property as udev printed it. */
  props: ReadonlyMap<string, string>;
}

/** Builds the typed view over a property Map. ACTION and DEVPATH given explicitly win over props. */
export function deviceEventFrom(
  props: ReadonlyMap<string, string>,
  action: UdevAction,
  devpath: string,
  extra: { coldplug?: true; removable?: boolean } = {},
): DeviceEvent {
  const seq = props.get('SEQNUM');
  const seqnum = seq !== undefined && /^\d{1,15}$/.test(seq) ? Number(seq) : undefined;
  const ev: DeviceEvent = {
    action,
    devpath,
    subsystem: props.get('SUBSYSTEM'),
    devname: props.get('DEVNAME'),
    devtype: props.get('DEVTYPE'),
    idBus: props.get('ID_BUS'),
    idFsType: props.get('ID_FS_TYPE'),
    idFsUsage: props.get('ID_FS_USAGE'),
    idFsLabel: props.get('ID_FS_LABEL'),
    idFsUuid: props.get('ID_FS_UUID'),
    idUsbDriver: props.get('ID_USB_DRIVER'),
    idModel: props.get('ID_MODEL'),
    idVendor: props.get('ID_VENDOR'),
    idSerial: props.get('ID_SERIAL'),
    seqnum,
    props,
  };
  if (extra.coldplug) ev.coldplug = true;
  if (extra.removable !== undefined) ev.removable = extra.removable;
  return ev;
}

/** Limits that keep a hostile or broken stream from growing memory without bound. */
export const MAX_LINE_CHARS = 16 * 1024;
export const MAX_PROPS_PER_DEVICE = 512;

/** `KEY=VALUE` with a udev-shaped key; returns undefined for anything else. */
export function splitProperty(line: string): [string, string] | undefined {
  const eq = line.indexOf('=');
  if (eq <= 0) return undefined;
  const key = line.slice(0, eq);
  // udev property names are ASCII identifiers; refuse anything else rather than guess.
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) return undefined;
  return [key, line.slice(eq + 1)];
}
