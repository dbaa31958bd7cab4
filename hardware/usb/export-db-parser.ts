import { deviceEventFrom, MAX_LINE_CHARS, MAX_PROPS_PER_DEVICE, splitProperty, type DeviceEvent } from './block-event.js';

/**
 * Parser for `udevadm info --export-db`: one record per device, blank-line
 * separated, each line `X: value`:
 *
 *     P: /devices/virtual/block/loop0/loop0p1     sysfs path
 *     N: loop0p1                                  node name under /dev
 *     U: block                                    subsystem
 *     T: partition                                devtype
 *     E: ID_FS_TYPE=ext4                          a property
 *     (M, R, D, L, S, Q, V, I ... : other facts we do not need)
 *
 * Used at (re)start to enumerate what is already plugged in. Every record
 * becomes an `add` flagged `coldplug: true`. Pure; never throws; a record that
 * does not parse is counted and skipped.
 */

export interface ExportDbResult {
  devices: DeviceEvent[];
  malformed: number;
  /** Records of other subsystems, passed over by the filter. */
  filtered: number;
}

export function parseExportDb(text: string, opts: { subsystem?: string } = {}): ExportDbResult {
  const result: ExportDbResult = { devices: [], malformed: 0, filtered: 0 };
  for (const record of text.split(/\r?\n[ \t]*\r?\n/)) {
    const lines = record.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    const dev = parseRecord(lines);
    if (!dev) {
      result.malformed++;
      continue;
    }
    if (opts.subsystem !== undefined && dev.subsystem !== opts.subsystem) {
      result.filtered++;
      continue;
    }
    result.devices.push(dev);
  }
  return result;
}

function parseRecord(lines: string[]): DeviceEvent | undefined {
  if (lines.length > MAX_PROPS_PER_DEVICE * 2) return undefined;
  const props = new Map<string, string>();
  let devpath: string | undefined;
  let name: string | undefined;
  let subsystem: string | undefined;
  let devtype: string | undefined;
  for (const line of lines) {
    if (line.length > MAX_LINE_CHARS || line[1] !== ':' || !/^[A-Z]$/.test(line[0] ?? '')) return undefined;
    const value = line.slice(2).replace(/^ /, '').replace(/\r$/, '');
    switch (line[0]) {
      case 'P':
        devpath = value;
        break;
      case 'N':
        name = value;
        break;
      case 'U':
        subsystem = value;
        break;
      case 'T':
        devtype = value;
        break;
      case 'E': {
        const kv = splitProperty(value);
        if (!kv) return undefined;
        props.set(kv[0], kv[1]);
        break;
      }
      default:
        break;
    }
  }
  devpath = props.get('DEVPATH') ?? devpath;
  if (devpath === undefined || !devpath.startsWith('/')) return undefined;
  // Devices udev has not processed carry no E: lines; fill the basics from the record.
  if (!props.has('DEVPATH')) props.set('DEVPATH', devpath);
  if (!props.has('SUBSYSTEM') && subsystem !== undefined) props.set('SUBSYSTEM', subsystem);
  if (!props.has('DEVTYPE') && devtype !== undefined) props.set('DEVTYPE', devtype);
  if (!props.has('DEVNAME') && name !== undefined && name !== '' && !name.includes('..')) props.set('DEVNAME', `/dev/${name}`);
  return deviceEventFrom(props, 'add', devpath, { coldplug: true });
}
