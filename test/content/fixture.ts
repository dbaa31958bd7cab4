import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ContentLibrary } from '../../src/content/library.js';
import { ContentWorkers } from '../../src/content/workers.js';

export interface Keys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function keyPair(): Keys {
  return generateKeyPairSync('ed25519');
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * A temp dir removed by `cleanup`, and one worker pool for the test file.
 * `inMemory` puts it on /dev/shm where there is one: for the many-files test,
 * where ext4's one journal commit per fsync'd file would be most of the time.
 */
export async function tempRoot(prefix: string, { inMemory = false } = {}): Promise<{ dir: string; workers: ContentWorkers; cleanup(): Promise<void> }> {
  const base = inMemory && (await stat('/dev/shm').then((s) => s.isDirectory(), () => false)) ? '/dev/shm' : tmpdir();
  const dir = await mkdtemp(join(base, `purser-content-${prefix}-`));
  // Threads stay up for the whole file: starting one under tsx costs about a second.
  const workers = new ContentWorkers({ maxThreads: 2, idleTimeoutMs: 60_000 });
  return {
    dir,
    workers,
    async cleanup() {
      await workers.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes files (path -> bytes) under `root`. */
export async function writeTree(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [rel, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), bytes);
  }
}

export function openLibrary(dir: string, workers: ContentWorkers): Promise<ContentLibrary> {
  return ContentLibrary.open({ dir, workers });
}

/**
 * The invariants a pulled drive or a power cut must never break, checked from
 * the disk alone: objects/ holds only complete files whose bytes hash to their
 * name, and `current` (if any) names a stored version all of whose objects exist.
 */
export async function assertLibrarySound(libDir: string, opts: { allowTemps?: boolean } = {}): Promise<{ objects: Set<string>; current?: string }> {
  const objects = new Set<string>();
  for (const name of await readdir(join(libDir, 'objects')).catch(() => [] as string[])) {
    if (name.startsWith('.')) {
      if (!opts.allowTemps) throw new Error(`temp file left in objects/: ${name}`);
      continue;
    }
    const got = sha256(await readFile(join(libDir, 'objects', name)));
    if (got !== name) throw new Error(`object ${name} holds bytes hashing to ${got}`);
    objects.add(name);
  }
  const text = await readFile(join(libDir, 'current'), 'utf8').catch(() => undefined);
  if (text === undefined) return { objects };
  const current = (JSON.parse(text) as { catalogVersion: string }).catalogVersion;
  const version = JSON.parse(await readFile(join(libDir, 'versions', `${current}.json`), 'utf8')) as { files: { path: string; sha256: string }[] };
  for (const f of version.files) if (!objects.has(f.sha256)) throw new Error(`current ${current} lists ${f.path} but its object is missing`);
  return { objects, current };
}
