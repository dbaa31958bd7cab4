import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Real block devices for tests: image files with one partition (or none),
 * attached as loop devices the way a drive is plugged in. Everything a test
 * makes is tracked and removed by cleanup(), which the tests call from
 * `after` hooks so a failing test leaves nothing behind.
 */

const TOOLS = ['losetup', 'sfdisk', 'partx', 'mkfs.ext4', 'mkfs.exfat', 'udevadm', 'mount', 'umount'];

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  return r.stdout;
}

const which = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** Why this machine cannot make loop devices for a test, or undefined when it can. */
export function loopSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to attach loop devices and mount';
  if (!existsSync('/dev/loop-control')) return 'no loop device support (/dev/loop-control missing)';
  const missing = TOOLS.filter((t) => !which(t));
  if (missing.length) return `missing tools: ${missing.join(', ')}`;
  return undefined;
}

export interface Plugged {
  image: string;
  loop: string;
  /** The partition node (`/dev/loopNp1`), or the loop itself for a whole-disk image. */
  node: string;
  partitioned: boolean;
}

export class LoopLab {
  readonly dir: string;
  readonly #plugged = new Set<Plugged>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(): Promise<LoopLab> {
    return new LoopLab(await mkdtemp(join(tmpdir(), 'purser-usb-')));
  }

  /**
   * A "prepared stick": an image with one partition (or none) holding `fs`.
   * The filesystem is made in a plain file and written into the image, never
   * through a loop device, so plugging the image later is the first time the
   * kernel and udev see it: an `add` that already carries ID_FS_TYPE, as a
   * real drive gives, and no block cache left over from the making.
   * `tree` (ext4/ext2) is a directory whose files the new filesystem holds.
   */
  async makeImage(
    name: string,
    fs: 'ext4' | 'ext2' | 'exfat',
    label: string,
    opts: { partitioned?: boolean; sizeMiB?: number; tree?: string } = {},
  ): Promise<string> {
    const image = join(this.dir, `${name}.img`);
    const part = `${image}.part`;
    const sizeMiB = opts.sizeMiB ?? 40;
    const partitioned = opts.partitioned ?? true;
    await truncate(image, 0).catch(() => undefined);
    try {
      // The partition starts at 1 MiB (sector 2048) and runs to the end.
      run('truncate', ['-s', `${partitioned ? sizeMiB - 1 : sizeMiB}M`, part]);
      if (fs === 'exfat') run('mkfs.exfat', ['-L', label, part]);
      else run(`mkfs.${fs}`, ['-q', '-F', '-L', label, ...(opts.tree ? ['-d', opts.tree] : []), part]);
      run('truncate', ['-s', `${sizeMiB}M`, image]);
      if (partitioned) run('sfdisk', ['-q', image], 'start=2048, type=83\n');
      run('dd', [`if=${part}`, `of=${image}`, 'bs=1M', `seek=${partitioned ? 1 : 0}`, 'conv=notrunc,fsync', 'status=none']);
    } finally {
      await rm(part, { force: true });
    }
    return image;
  }

  plug(image: string, partitioned = true): Plugged {
    const loop = run('losetup', ['-f', '--show', image]).trim();
    const p: Plugged = { image, loop, node: partitioned ? `${loop}p1` : loop, partitioned };
    this.#plugged.add(p);
    // losetup -P makes no partitions on this kernel; partx does.
    if (partitioned) run('partx', ['-a', loop]);
    return p;
  }

  /**
   * Waits until udev has probed the plugged drive (its database holds the
   * filesystem type), as it has for a drive plugged in long before the
   * controller starts. `partx -a` returns before udevd has even queued the
   * partition's event, so `udevadm settle` alone can return too early.
   */
  async probed(p: Plugged, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = spawnSync('udevadm', ['info', '--query=property', `--name=${p.node}`], { encoding: 'utf8', timeout: 5000 });
      if (r.status === 0 && /^ID_FS_TYPE=\S/m.test(r.stdout)) return;
      if (Date.now() > until) throw new Error(`udev never probed ${p.node}: ${(r.stderr || r.stdout).trim().slice(0, 200)}`);
      await sleep(100);
    }
  }

  /** Pulls the drive: partitions first, then the loop device. udev may still be probing it, so retry. */
  async unplug(p: Plugged): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        spawnSync('udevadm', ['settle', '--timeout=5']);
        if (p.partitioned && existsSync(p.node)) run('partx', ['-d', p.loop]);
        if (this.#attachedTo(p)) run('losetup', ['-d', p.loop]);
        this.#plugged.delete(p);
        return;
      } catch (e) {
        if (i >= 20) throw e;
        await sleep(100);
      }
    }
  }

  /** Still attached to our image (the number may have been reused by someone else since). */
  #attachedTo(p: Plugged): boolean {
    const name = p.loop.replace('/dev/', '');
    try {
      return readFileSync(`/sys/block/${name}/loop/backing_file`, 'utf8').trim() === p.image;
    } catch {
      return false;
    }
  }

  /** Unmounts anything under our directory, detaches our loops, removes the directory. */
  async cleanup(): Promise<void> {
    const mine = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
      .filter((mp): mp is string => !!mp && mp.startsWith(this.dir + '/'));
    for (const mp of mine.reverse()) spawnSync('umount', ['-l', mp]);
    for (const p of [...this.#plugged]) await this.unplug(p).catch((e: Error) => console.error(`cleanup: ${e.message}`));
    // Anything else still backed by one of our images (a test that lost track of it).
    for (const name of readdirSync('/sys/block').filter((n) => n.startsWith('loop'))) {
      try {
        if (readFileSync(`/sys/block/${name}/loop/backing_file`, 'utf8').startsWith(this.dir + '/')) {
          spawnSync('partx', ['-d', `/dev/${name}`]);
          spawnSync('losetup', ['-d', `/dev/${name}`]);
        }
      } catch {
        /* not attached */
      }
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Is a systemd-udevd answering? */
export function udevdRunning(): boolean {
  return spawnSync('udevadm', ['control', '--ping', '--timeout=1']).status === 0;
}

/**
 * Makes sure a systemd-udevd runs for the test. If one already runs (the
 * machine's, another test's) it is left alone; if we start one, stop() ends it.
 */
export async function ensureUdevd(): Promise<{ started: boolean; stop: () => Promise<void> }> {
  if (udevdRunning()) return { started: false, stop: async () => undefined };
  const child: ChildProcess = spawn('/lib/systemd/systemd-udevd', [], { stdio: 'ignore', detached: true });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 50 && !udevdRunning(); i++) await sleep(100);
  if (!udevdRunning()) throw new Error('systemd-udevd did not start');
  return {
    started: true,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* gone */
        }
        await Promise.race([exited, sleep(3000)]);
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
        await exited;
      }
    },
  };
}
