import { lstat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mkdirDurably, removeIfPresent, renameDurably, tempPathFor, writeFileDurably } from '../core/durable-fs.js';
import type { HashPool, HashResult, ProgressFn } from './hash-pool.js';
import { serializeManifest, type FirmwareManifest } from './manifest.js';

export interface StagedImage extends HashResult {
  /** The complete, fsync'd temp file beside the image's final place. */
  tmp: string;
}

/** One entry under `<root>/firmware`, two levels deep at most. */
export interface DiskEntry {
  /** Relative to `<root>/firmware`, '/'-separated: `gp3` or `gp3/2.5.0.img`. */
  rel: string;
  kind: 'file' | 'dir' | 'other';
  size: number;
}

/**
 * The files: `<root>/firmware/<model>/<version>.img` with its manifest
 * `<version>.json`, and `<root>/quarantine/` for whatever must never be served.
 * Knows nothing of the catalog rows; the catalog decides, this moves bytes.
 */
export class ImageStore {
  readonly firmwareDir: string;
  readonly quarantineDir: string;

  constructor(
    root: string,
    private readonly pool: HashPool,
    private readonly now: () => number,
  ) {
    this.firmwareDir = join(root, 'firmware');
    this.quarantineDir = join(root, 'quarantine');
  }

  async ensureLayout(): Promise<void> {
    await mkdirDurably(this.firmwareDir);
    await mkdirDurably(this.quarantineDir);
  }

  imagePath(model: string, version: string): string {
    return join(this.firmwareDir, model, `${version}.img`);
  }

  manifestPath(model: string, version: string): string {
    return join(this.firmwareDir, model, `${version}.json`);
  }

  /** Copies `src` to a temp file beside the image's final place, hashing in a worker the bytes it writes. */
  async stage(src: string, model: string, version: string, onProgress?: ProgressFn): Promise<StagedImage> {
    await mkdirDurably(join(this.firmwareDir, model));
    const tmp = tempPathFor(this.imagePath(model, version));
    try {
      return { tmp, ...(await this.pool.copyAndHash(src, tmp, onProgress)) };
    } catch (err) {
      await removeIfPresent(tmp);
      throw err;
    }
  }

  /**
   * Manifest first, then the image: a power cut in between leaves a manifest
   * without an image, which startup quarantines; never an image without one.
   */
  async publish(tmp: string, manifest: FirmwareManifest): Promise<void> {
    await this.writeManifest(manifest);
    await renameDurably(tmp, this.imagePath(manifest.model, manifest.version));
  }

  /** Removes a staged temp file; a no-op once it has been published. */
  discard(tmp: string): Promise<void> {
    return removeIfPresent(tmp);
  }

  writeManifest(manifest: FirmwareManifest): Promise<void> {
    return writeFileDurably(this.manifestPath(manifest.model, manifest.version), serializeManifest(manifest));
  }

  hash(model: string, version: string): Promise<HashResult> {
    return this.pool.hashFile(this.imagePath(model, version));
  }

  async exists(rel: string): Promise<boolean> {
    return lstat(join(this.firmwareDir, rel)).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
  }

  /** Moves `firmware/<rel>` to `quarantine/<rel>.<timestamp>`; returns where, or undefined if it was not there. */
  async quarantine(rel: string): Promise<string | undefined> {
    if (!(await this.exists(rel))) return undefined;
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    const to = join(this.quarantineDir, `${rel}.${stamp}`);
    await mkdirDurably(dirname(to));
    await renameDurably(join(this.firmwareDir, rel), to);
    return to;
  }

  async removeTemp(rel: string): Promise<void> {
    await removeIfPresent(join(this.firmwareDir, rel));
  }

  /** Everything under `firmware/`: top-level entries, and the entries of each top-level directory. */
  async scan(): Promise<DiskEntry[]> {
    const entries: DiskEntry[] = [];
    for (const top of await readdir(this.firmwareDir)) {
      const entry = await this.#entry(top);
      entries.push(entry);
      if (entry.kind === 'dir') {
        for (const name of await readdir(join(this.firmwareDir, top))) entries.push(await this.#entry(`${top}/${name}`));
      }
    }
    return entries;
  }

  async #entry(rel: string): Promise<DiskEntry> {
    const st = await lstat(join(this.firmwareDir, rel));
    return { rel, kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other', size: st.size };
  }
}
