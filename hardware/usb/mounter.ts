import { lstat, mkdir, readFile, readdir, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { silentLog, type LogSink } from '../../core/log.js';
import { readMountinfo, type MountEntry } from './mountinfo.js';
import { runChecked, runCommand } from './run-command.js';

/**
 * Mounts a content drive read-only (`ro,nosuid,nodev,noexec`) under one mount
 * root, checks in mountinfo that the kernel really applied those flags, and
 * unmounts it (lazily when the drive was pulled and a plain umount fails).
 *
 * Mounts with mount(8) rather than through udisks2, which needs a system
 * D-Bus and polkit running. mount(8) wants uid 0: on the aircraft this runs in
 * the root mount helper (mount-helper/), tests and the demo run it as root
 * (see docs/usb.md).
 */

/** The per-mount flags every content mount must carry. */
export const REQUIRED_MOUNT_FLAGS = ['ro', 'nosuid', 'nodev', 'noexec'] as const;

export interface MounterOptions {
  /** Directory the drives are mounted under, one subdirectory each. */
  mountRoot: string;
  log?: LogSink;
  mountBin?: string;
  umountBin?: string;
  /** Put before every mount/umount (a wrapper, e.g. ['env', 'LC_ALL=C']); an unprivileged controller uses the mount helper instead. */
  commandPrefix?: readonly string[];
  /** Where the kernel lists the filesystems it has (exfat there means a native driver). */
  procFilesystems?: string;
  mountinfoPath?: string;
  /** mount(8) and umount(8) deadline: a dying drive can hang them. */
  commandTimeoutMs?: number;
}

export interface MountRequest {
  devname: string;
  /** udev ID_FS_TYPE: `ext4` or `exfat`. */
  fsType: string;
  /** Names the mount directory (sanitised); defaults to the device's name. */
  name?: string;
}

export interface MountedDrive {
  devname: string;
  fsType: string;
  mountPoint: string;
  /** The filesystem type the kernel reports (`fuseblk` for exFAT through FUSE). */
  kernelFsType: string;
  mountOptions: string[];
  superOptions: string[];
}

export class MountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MountError';
  }
}

interface MountPlan {
  type: string;
  options: string;
  /** exfat-fuse ignores noexec: a bind remount sets the per-mount flags afterwards. */
  remountFlags: boolean;
}

export class Mounter {
  readonly mountRoot: string;
  readonly #log: LogSink;
  readonly #mount: string;
  readonly #umount: string;
  readonly #procFilesystems: string;
  readonly #mountinfo: string;
  readonly #timeoutMs: number;
  readonly #prefix: readonly string[];

  constructor(opts: MounterOptions) {
    this.mountRoot = resolve(opts.mountRoot);
    this.#log = opts.log ?? silentLog;
    this.#mount = opts.mountBin ?? 'mount';
    this.#umount = opts.umountBin ?? 'umount';
    this.#procFilesystems = opts.procFilesystems ?? '/proc/filesystems';
    this.#mountinfo = opts.mountinfoPath ?? '/proc/self/mountinfo';
    this.#timeoutMs = opts.commandTimeoutMs ?? 20_000;
    this.#prefix = opts.commandPrefix ?? [];
  }

  /** Filesystems this machine can mount for us, as udev names them (`ext4`, `exfat`). */
  async supportedFilesystems(): Promise<string[]> {
    const kernel = await this.#kernelFilesystems();
    const out = kernel.has('ext4') ? ['ext4'] : [];
    if (kernel.has('exfat') || ((await exists('/sbin/mount.exfat-fuse')) && (kernel.has('fuseblk') || kernel.has('fuse')))) out.push('exfat');
    return out;
  }

  async mount(req: MountRequest): Promise<MountedDrive> {
    if (!/^\/dev\/[A-Za-z0-9._:+-]+(\/[A-Za-z0-9._:+-]+)*$/.test(req.devname) || req.devname.includes('..')) {
      throw new MountError(`not a device path: ${JSON.stringify(req.devname)}`);
    }
    const st = await stat(req.devname).catch(() => undefined);
    if (!st?.isBlockDevice()) throw new MountError(`${req.devname} is not a block device (unplugged?)`);
    const plan = await this.#plan(req.fsType);
    await mkdir(this.mountRoot, { recursive: true, mode: 0o755 });
    // One device is mounted once; two devices with one label (a stick plugged again under a new
    // device before its old mount is gone, say) each get a directory of their own.
    // Asked again for a device we already mounted (its events heard twice): the same mount, checked again.
    const twice = (await readMountinfo(this.#mountinfo)).find((m) => m.source === req.devname && m.mountPoint.startsWith(`${this.mountRoot}/`));
    if (twice) return { ...(await this.verify(twice.mountPoint)), devname: req.devname, fsType: req.fsType };
    const base = safeName(req.name ?? req.devname.slice('/dev/'.length));
    let mountPoint = join(this.mountRoot, base);
    for (let n = 2; ; n++) {
      await mkdir(mountPoint, { mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
      if ((await this.#entriesAt(mountPoint)).length === 0) break;
      if (n > 16) throw new MountError(`${join(this.mountRoot, base)} and 15 more are already mount points`);
      mountPoint = join(this.mountRoot, `${base}-${n}`);
    }
    const lst = await lstat(mountPoint);
    if (!lst.isDirectory() || (await readdir(mountPoint)).length > 0) throw new MountError(`${mountPoint} is not an empty directory`);

    try {
      await this.#run(this.#mount, ['-t', plan.type, '-o', plan.options, req.devname, mountPoint], { timeoutMs: this.#timeoutMs });
      if (plan.remountFlags) {
        await this.#run(this.#mount, ['-o', `remount,bind,${REQUIRED_MOUNT_FLAGS.join(',')}`, mountPoint], { timeoutMs: this.#timeoutMs });
      }
      const mounted = await this.verify(mountPoint);
      this.#log.info({ devname: req.devname, mountPoint, fsType: req.fsType }, 'content drive mounted read-only');
      return { ...mounted, devname: req.devname, fsType: req.fsType };
    } catch (e) {
      // Never leave a half-checked mount behind.
      await this.unmount(mountPoint).catch(() => undefined);
      await rmdir(mountPoint).catch(() => undefined);
      throw e instanceof MountError ? e : new MountError((e as Error).message);
    }
  }

  /** Reads mountinfo: the top mount at mountPoint must be read-only with every required flag. */
  async verify(mountPoint: string): Promise<Omit<MountedDrive, 'devname' | 'fsType'>> {
    const entries = await this.#entriesAt(mountPoint);
    const top = entries.at(-1);
    if (!top) throw new MountError(`nothing is mounted at ${mountPoint}`);
    const missing = REQUIRED_MOUNT_FLAGS.filter((f) => !top.mountOptions.includes(f));
    if (missing.length > 0) throw new MountError(`${mountPoint} is mounted without ${missing.join(',')} (${top.mountOptions.join(',')})`);
    if (!top.superOptions.includes('ro')) throw new MountError(`${mountPoint}: the filesystem itself is not read-only (${top.superOptions.join(',')})`);
    return { mountPoint, kernelFsType: top.fsType, mountOptions: top.mountOptions, superOptions: top.superOptions };
  }

  /**
   * Unmounts and removes the directory. A plain umount first; if it fails (the
   * drive was pulled, a reader still has a file open) a lazy one, which detaches
   * the mount now and lets the kernel finish when the last file closes.
   */
  async unmount(mountPoint: string): Promise<{ lazy: boolean }> {
    const target = resolve(mountPoint);
    if (!target.startsWith(this.mountRoot + '/')) throw new MountError(`${target} is not under ${this.mountRoot}`);
    let lazy = false;
    while ((await this.#entriesAt(target)).length > 0) {
      const r = await this.#run(this.#umount, [target], { timeoutMs: this.#timeoutMs }, false).catch(() => undefined);
      if (r?.code === 0) continue;
      this.#log.warn({ mountPoint: target, err: r?.stderr.trim() }, 'umount failed; detaching lazily');
      await this.#run(this.#umount, ['-l', target], { timeoutMs: this.#timeoutMs });
      lazy = true;
    }
    await rmdir(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') this.#log.warn({ mountPoint: target, err: e.message }, 'cannot remove mount directory');
    });
    return { lazy };
  }

  /** Mounts under the root right now, e.g. left over from before a power cut. */
  async mounted(): Promise<MountEntry[]> {
    const all = await readMountinfo(this.#mountinfo);
    return all.filter((m) => m.mountPoint.startsWith(this.mountRoot + '/'));
  }

  /** At start: unmounts everything a previous run left under the root. */
  async unmountStale(): Promise<string[]> {
    const stale = [...new Set((await this.mounted()).map((m) => m.mountPoint))].sort((a, b) => b.length - a.length);
    for (const mp of stale) await this.unmount(mp);
    return stale;
  }

  #run(bin: string, args: string[], opts: { timeoutMs: number }, checked = true) {
    const [file, ...pre] = [...this.#prefix, bin];
    return (checked ? runChecked : runCommand)(file!, [...pre, ...args], opts);
  }

  async #plan(fsType: string): Promise<MountPlan> {
    const flags = REQUIRED_MOUNT_FLAGS.join(',');
    const kernel = await this.#kernelFilesystems();
    switch (fsType) {
      case 'ext4':
        if (!kernel.has('ext4')) throw new MountError('this kernel cannot mount ext4');
        // noload: never replay the journal, which would write to the drive.
        return { type: 'ext4', options: `${flags},noload`, remountFlags: false };
      case 'exfat':
        // umask=0022: the kernel's exfat takes the mounting process's umask, and the helper's unit has 0077,
        // which would leave every file readable by root alone (exfat-fuse's default is 0 already).
        if (kernel.has('exfat')) return { type: 'exfat', options: `${flags},umask=0022`, remountFlags: false };
        if (await exists('/sbin/mount.exfat-fuse')) return { type: 'exfat-fuse', options: flags, remountFlags: true };
        throw new MountError('this machine cannot mount exFAT (no kernel exfat, no exfat-fuse)');
      default:
        throw new MountError(`unsupported filesystem ${fsType}`);
    }
  }

  async #kernelFilesystems(): Promise<Set<string>> {
    const text = await readFile(this.#procFilesystems, 'utf8').catch(() => '');
    return new Set(
      text
        .split('\n')
        .map((l) => l.trim().split(/\s+/).pop() ?? '')
        .filter(Boolean),
    );
  }

  async #entriesAt(mountPoint: string): Promise<MountEntry[]> {
    return (await readMountinfo(this.#mountinfo)).filter((m) => m.mountPoint === mountPoint);
  }
}

/** A directory name from untrusted input (a label, a device name): no slashes, no dots-only, bounded. */
export function safeName(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 64);
  return s === '' ? '_' : s;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
