import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from '../../../src/content/pack.js';
import { ContentWorkers } from '../../../src/content/workers.js';
import { ensureUdevd, LoopLab, loopSkipReason, type Plugged } from '../../hardware/usb/loop-device.js';
import { checkLibrary, type LibraryHistory } from './library-check.js';

/**
 * The content drive of the power-cut torture: real ext4 images on loop
 * devices, packed and signed with a test key whose public half goes into the
 * controller's config. The first drive is plugged before the first start;
 * each restart finds it again by coldplug and resumes the ingest. Once its
 * catalog is current, the second (newer, sharing half its files) replaces it
 * while the controller is down, so a catalog switch also lands among the cuts.
 * After each cut the library is checked from the disk alone.
 */
export interface ContentDriveOptions {
  /** Files on each drive (default 300). */
  files?: number;
  /** Bytes per file (default 24 KiB). */
  fileBytes?: number;
  /** content.copyBytesPerSecond (at least 1 MB/s): slow enough that an ingest spans several cuts. */
  copyBytesPerSecond?: number;
  /** Share of the cuts after which the drive is pulled and plugged again while the controller is down (default 0.3): it may come back as another loop device. */
  replugShare?: number;
}

export interface ContentFigures {
  filesPerDrive: number;
  bytesPerDrive: number;
  /** After the last cut: objects in objects/ whose bytes hash to their name, and their bytes. */
  objectsVerified: number;
  bytesVerified: number;
  /** Per cut: objects of the plugged drive's catalog in the library (of filesPerDrive). */
  progress: { cycle: number; drive: string; objects: number; current: string | null }[];
  /** Temp names seen in the library after cuts (allowed: the next start removes them). */
  tempFilesSeen: number;
  /** Times the drive was pulled and plugged again between cuts. */
  replugs: number;
  /** Catalog versions `current` named, in the order it switched to them. */
  switches: string[];
  /** The cycle after which each drive's catalog was first current. */
  completedAtCycle: Record<string, number | null>;
  /** Drives whose catalog became current (complete, every object verified). */
  ingestsCompleted: number;
  /** Both drives were ingested and the second's catalog is current. */
  completed: boolean;
}

interface Drive {
  catalogVersion: string;
  createdAt: string;
  label: string;
  image: string;
  objects: Set<string>;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Why this machine cannot run the content part (no root, no loop devices, a tool missing), or undefined. */
export const contentSkipReason = (): string | undefined => loopSkipReason();

export class ContentDriveRig {
  readonly figures: ContentFigures;
  readonly #history: LibraryHistory;
  #plugged: Plugged | undefined;
  #drive = 0;

  private constructor(
    private readonly lab: LoopLab,
    private readonly udevd: { stop(): Promise<void> },
    private readonly publicKey: string,
    private readonly drives: Drive[],
    private readonly copyBytesPerSecond: number,
    private readonly replugShare: number,
    filesPerDrive: number,
    bytesPerDrive: number,
  ) {
    this.#history = { switches: [], createdAt: new Map() };
    this.figures = {
      filesPerDrive, bytesPerDrive, objectsVerified: 0, bytesVerified: 0, progress: [], tempFilesSeen: 0, switches: [],
      completedAtCycle: Object.fromEntries(drives.map((d) => [d.catalogVersion, null])), ingestsCompleted: 0, completed: false, replugs: 0,
    };
    this.figures.switches = this.#history.switches;
  }

  static async create(o: ContentDriveOptions = {}): Promise<ContentDriveRig> {
    const n = o.files ?? 300;
    const size = o.fileBytes ?? 24 * 1024;
    const lab = await LoopLab.create();
    let udevd: { stop(): Promise<void> } | undefined;
    const workers = new ContentWorkers({ maxThreads: 2, idleTimeoutMs: 5000 });
    try {
      udevd = await ensureUdevd();
      const keys = generateKeyPairSync('ed25519');
      const publicKey = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64');
      const first = Array.from({ length: n }, () => randomBytes(size));
      // The second drive keeps half the first's files (reused, not copied again) and brings as many new ones.
      const second = [...first.slice(0, Math.floor(n / 2)), ...Array.from({ length: n - Math.floor(n / 2) }, () => randomBytes(size))];
      const drives: Drive[] = [];
      for (const [i, bytes] of [first, second].entries()) {
        const catalogVersion = `2026-1${i + 1}`;
        const createdAt = `2026-1${i + 1}-01T08:00:00Z`;
        const staging = await mkdtemp(join(tmpdir(), 'purser-power-cut-drive-'));
        try {
          await mkdir(join(staging, 'newspapers'));
          for (const [j, b] of bytes.entries()) await writeFile(join(staging, 'newspapers', `page-${String(j).padStart(4, '0')}.pdf`), b);
          await pack(staging, keys.privateKey, { catalogVersion, createdAt, workers });
          const sizeMiB = Math.max(64, Math.ceil(((n * size) / 2 ** 20) * 1.5) + 48);
          const label = `CUT-${catalogVersion}`;
          const image = await lab.makeImage(`drive-${i + 1}`, 'ext4', label, { tree: staging, sizeMiB });
          drives.push({ catalogVersion, createdAt, label, image, objects: new Set(bytes.map(sha256)) });
        } finally {
          await rm(staging, { recursive: true, force: true });
        }
      }
      const rig = new ContentDriveRig(lab, udevd, publicKey, drives, o.copyBytesPerSecond ?? 1_000_000, o.replugShare ?? 0.3, n, n * size);
      await rig.#plug(0);
      return rig;
    } catch (e) {
      await lab.cleanup();
      await udevd?.stop();
      throw e;
    } finally {
      await workers.close();
    }
  }

  /** The controller's `content:` section. */
  config(): Record<string, unknown> {
    return {
      publicKey: this.publicKey,
      allowLoopDevices: true,
      requireUsb: false,
      watchUsbDevices: false,
      spareBytes: 0,
      copyBytesPerSecond: this.copyBytesPerSecond,
      mountRoot: join(this.lab.dir, 'media'),
    };
  }

  async #plug(i: number): Promise<void> {
    this.#drive = i;
    this.#plugged = this.lab.plug(this.drives[i]!.image);
    await this.lab.probed(this.#plugged);
  }

  /** With the controller down: a SIGKILL leaves the drive mounted; unmount it and pull it, then plug drive `next`. */
  async #swap(next: number): Promise<void> {
    const media = join(this.lab.dir, 'media') + '/';
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(media));
    for (const m of mounts.reverse()) spawnSync('umount', [m]);
    if (this.#plugged) await this.lab.unplug(this.#plugged);
    await this.#plug(next);
  }

  /** After a cut, the controller down: the library checks (library-check.ts), the figures, and the next drive once this one's catalog is current. */
  async check(libDir: string, cycle: number, opts: { last?: boolean; random?: () => number } = {}): Promise<string[]> {
    const { problems, verified, bytes, temps, current } = await checkLibrary(libDir, this.#history);
    this.figures.objectsVerified = verified.size;
    this.figures.bytesVerified = bytes;
    this.figures.tempFilesSeen += temps;
    const drive = this.drives[this.#drive]!;
    this.figures.progress.push({ cycle, drive: drive.catalogVersion, objects: [...drive.objects].filter((o) => verified.has(o)).length, current });
    if (current === drive.catalogVersion && missingNone(drive, verified)) {
      if (this.figures.completedAtCycle[drive.catalogVersion] === null) {
        this.figures.completedAtCycle[drive.catalogVersion] = cycle;
        this.figures.ingestsCompleted++;
      }
      if (this.#drive + 1 < this.drives.length) {
        if (!opts.last) return (await this.#swap(this.#drive + 1), problems);
      } else this.figures.completed = true;
    }
    if (!opts.last && (opts.random ?? Math.random)() < this.replugShare) {
      await this.#swap(this.#drive);
      this.figures.replugs++;
    }
    return problems;
  }

  /** Unmounts, detaches and removes everything the rig made, and stops the udevd it started. */
  async cleanup(): Promise<void> {
    await this.lab.cleanup();
    await this.udevd.stop();
  }
}

const missingNone = (d: Drive, verified: Set<string>): boolean => [...d.objects].every((o) => verified.has(o));
