import { readFile } from 'node:fs/promises';
import { MountHelperServer } from '../../../hardware/usb/mount-helper/server.js';
import { Mounter } from '../../../hardware/usb/mounter.js';
import { createLogger } from '../../core/log.js';
import { UsageError, type CliCommand } from '../command.js';
import { intOption, parseOptions } from '../options.js';

/** A group by name or number, from /etc/group (Node has no getgrnam). */
async function groupId(group: string): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const text = await readFile('/etc/group', 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.split(':')[0] === group);
  if (!line) throw new UsageError(`no group ${group} in /etc/group`, false);
  return Number(line.split(':')[2]);
}

/** The socket systemd passed (a .socket unit), if it was meant for this process. */
function systemdSocket(): number | undefined {
  if (process.env.LISTEN_PID !== String(process.pid) || process.env.LISTEN_FDS !== '1') return undefined;
  return 3;
}

export const command: CliCommand = {
  name: 'mount-helper',
  summary: 'run the root-side content-drive mount helper (systemd: purser-mount.service)',
  help: `Usage: purser mount-helper --root DIR [--socket PATH] [--group NAME] [--fs ext4,exfat] [--timeout MS] [--require-usb]

Mounts content drives read-only (ro,nosuid,nodev,noexec) under DIR for an
unprivileged controller that asks over a unix socket (content.mountHelperSocket).
Runs as root; the client chooses only the device and the filesystem.

  --root DIR      where drives are mounted, one directory each (required)
  --socket PATH   listen here (mode 0660); without it, the socket systemd passes
  --group NAME    group of the socket file (the controller's), default: root's
  --fs LIST       filesystems allowed, default ext4,exfat
  --timeout MS    answer each request within this, default 60000
  --require-usb   mount only a device on a USB bus (on the aircraft; a loop
                  device is not). A device already mounted is never mounted.`,
  async run(args) {
    const { values } = parseOptions(args, {
      root: { type: 'string' },
      socket: { type: 'string' },
      group: { type: 'string' },
      fs: { type: 'string' },
      timeout: { type: 'string' },
      'require-usb': { type: 'boolean' },
    });
    if (!values.root) throw new UsageError('--root is required');
    const fd = systemdSocket();
    if (!values.socket && fd === undefined) throw new UsageError('--socket PATH is required unless systemd passes the socket');
    const allowed = (values.fs ?? 'ext4,exfat').split(',').filter(Boolean);
    for (const f of allowed) if (f !== 'ext4' && f !== 'exfat') throw new UsageError(`--fs: ${f} is not ext4 or exfat`);
    const log = createLogger().child({ service: 'mount-helper' });
    const server = new MountHelperServer({
      mounter: new Mounter({ mountRoot: values.root, log }),
      allowedFilesystems: allowed,
      log,
      requestTimeoutMs: intOption(values.timeout, 'timeout', 1000, 600_000) ?? 60_000,
      requireUsb: values['require-usb'] === true,
    });
    const gid = values.group !== undefined ? await groupId(values.group) : undefined;
    await server.listen(values.socket ? { path: values.socket, ...(gid !== undefined ? { gid } : {}) } : { fd: fd! });
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    // Mounts stay: the controller still reads them; it unmounts them itself (or at its next start).
    await server.close();
    log.info(server.stats, 'mount helper stopped');
    return 0;
  },
};
