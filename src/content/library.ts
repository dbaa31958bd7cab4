import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BehaviorSubject, type Observable } from 'rxjs';
import { fsyncDir, isTempName, mkdirDurably, removeIfPresent, writeFileDurably } from '../../core/durable-fs.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { ContentError } from './errors.js';
import { DEFAULT_LIMITS, isCatalogVersion, serializeManifest, signedBytes, type ContentFile, type ContentKind, type ContentManifest, type ManifestLimits } from './manifest.js';
import type { ContentWorkers } from './workers.js';

export interface ContentLibraryOptions {
  /** `<stateDir>/content`. */
  dir: string;
  workers: ContentWorkers;
  log?: LogSink;
  limits?: ManifestLimits;
  /** Objects re-hashed at once by the background startup check. Default 1: it must not starve an ingest. */
  rehashConcurrency?: number;
}

/** One file as seats see it. */
export interface CatalogFile {
  path: string;
  size: number;
  sha256: string;
  kind: ContentKind;
  title: string;
  lang: string;
  /** Strong HTTP ETag, quoted: `"<sha256>"`. The same bytes always have the same ETag, whatever the version. */
  etag: string;
  description?: string;
  durationSec?: number;
  poster?: string;
}

export interface ContentCatalog {
  catalogVersion: string;
  createdAt: string;
  files: CatalogFile[];
}

export interface OpenedFile {
  /** Absolute path of the object to stream (with Range) for this catalog path. */
  file: string;
  size: number;
  sha256: string;
  etag: string;
  kind: ContentKind;
}

export interface VersionInfo {
  catalogVersion: string;
  createdAt: string;
  files: number;
  bytes: number;
  /** Distinct objects this version needs that are not in the library. */
  missing: number;
  complete: boolean;
  current: boolean;
}

export interface StartupReport {
  /** Temp files a power cut or a killed ingest left, now deleted. */
  tempFilesRemoved: string[];
  /** Files in objects/ or versions/ that were neither objects, versions nor temp files, now deleted. */
  strayFilesRemoved: string[];
  /** Version manifests that could not be read back, now deleted. */
  badVersionsRemoved: { file: string; reason: string }[];
  objects: number;
  versions: VersionInfo[];
  current: string | undefined;
  /** `current` named a version that is absent or lacks objects (only disk damage can do this). */
  currentIncomplete: boolean;
}

export interface RehashReport {
  checked: number;
  /** Objects whose bytes no longer match their name, deleted. */
  removed: { sha256: string; reason: string }[];
  /** Versions that lost an object to the check: re-insert their drive to repair them. */
  incompleteVersions: string[];
}

export interface GcReport {
  versionsRemoved: string[];
  objectsRemoved: number;
  bytesFreed: number;
}

interface Version {
  manifest: ContentManifest;
  byPath: Map<string, ContentFile>;
  /** Distinct sha256 -> size. */
  objects: Map<string, number>;
}

const SHA_NAME = /^[0-9a-f]{64}$/;
const CURRENT = 'current';

/**
 * The on-board content library under `<stateDir>/content`:
 *
 *   objects/<sha256>            verified file bytes, named by their digest
 *   objects/.<sha256>.tmp-<r>   a copy in progress (deleted at startup)
 *   versions/<catalogVersion>.json   a signed manifest, as verified from its drive
 *   current                     {"catalogVersion":"..."}: the catalog seats get
 *
 * Objects are shared by every version that lists the same bytes, so next
 * month's drive copies only what changed.
 */
export class ContentLibrary {
  readonly dir: string;
  readonly objectsDir: string;
  readonly versionsDir: string;
  /** What the quick start-up check found (empty until `load()` has run). */
  startup: StartupReport = { tempFilesRemoved: [], strayFilesRemoved: [], badVersionsRemoved: [], objects: 0, versions: [], current: undefined, currentIncomplete: false };
  /** Settles when the background re-hash of every object found at startup is done (after `load()`). */
  readonly rehashed: Promise<RehashReport>;
  #rehashStarted!: (p: Promise<RehashReport>) => void;
  #loading: Promise<void> | undefined;
  readonly #opts: ContentLibraryOptions;

  readonly #workers: ContentWorkers;
  readonly #log: LogSink;
  readonly #versions = new Map<string, Version>();
  /** Present objects: sha256 -> true once hashed in this process (or written verified by it), false until then. */
  readonly #objects = new Map<string, boolean>();
  readonly #verifying = new Map<string, Promise<boolean>>();
  /** Objects removed as damaged while the start-up re-hash runs, by it or by a seat's request ahead of it. */
  #removedAtStart: RehashReport['removed'] | undefined = [];
  /** Objects hashed (whole or damaged) while the start-up re-hash runs, by whichever path. */
  #checkedAtStart: Set<string> | undefined = new Set();
  readonly #current: BehaviorSubject<ContentCatalog | undefined>;
  #currentVersion: string | undefined;
  #busy: 'ingest' | 'gc' | undefined;
  #ingesting: string | undefined;

  private constructor(opts: ContentLibraryOptions) {
    this.dir = opts.dir;
    this.objectsDir = join(opts.dir, 'objects');
    this.versionsDir = join(opts.dir, 'versions');
    this.#opts = opts;
    this.#workers = opts.workers;
    this.#log = opts.log ?? silentLog;
    this.#current = new BehaviorSubject<ContentCatalog | undefined>(undefined);
    this.rehashed = new Promise<Promise<RehashReport>>((resolve) => (this.#rehashStarted = resolve)).then((p) => p);
    this.rehashed.catch(() => undefined);
  }

  /**
   * A library not read yet: empty (no catalog, no object) until `load()`.
   * The controller answers seats before the library is read, whose time
   * grows with the library (docs/operations.md, start-up after a cut).
   */
  static unopened(opts: ContentLibraryOptions): ContentLibrary {
    return new ContentLibrary(opts);
  }

  /**
   * Opens the library, running the quick part of the startup check (temp files
   * removed, objects listed, versions read back, `current` read) before it
   * resolves; the full re-hash continues in the background (`rehashed`).
   */
  static async open(opts: ContentLibraryOptions): Promise<ContentLibrary> {
    const lib = new ContentLibrary(opts);
    await lib.load();
    return lib;
  }

  /** The quick start-up check (once; a second call shares it), then the re-hash starts in the background. */
  load(): Promise<void> {
    // A failed read (a disk error) is tried again by the supervisor's next start, not remembered.
    this.#loading ??= this.#load().catch((err: unknown) => {
      this.#loading = undefined;
      throw err;
    });
    return this.#loading;
  }

  async #load(): Promise<void> {
    const opts = this.#opts;
    const scan = await scanLibrary(opts.dir, opts.workers, opts.limits ?? DEFAULT_LIMITS);
    for (const [name, v] of scan.versions) this.#versions.set(name, v);
    for (const sha of scan.objects) if (!this.#objects.has(sha)) this.#objects.set(sha, false);
    this.#currentVersion = scan.current !== undefined && this.#versions.has(scan.current) ? scan.current : undefined;
    this.startup = {
      tempFilesRemoved: scan.temps,
      strayFilesRemoved: scan.strays,
      badVersionsRemoved: scan.badVersions,
      objects: scan.objects.length,
      versions: this.versions(),
      current: this.#currentVersion,
      currentIncomplete: scan.current !== undefined && (this.#currentVersion === undefined || this.#missing(this.#currentVersion) > 0),
    };
    this.#current.next(this.#buildCatalog(this.#currentVersion));
    this.#rehashStarted(this.#rehash(opts.rehashConcurrency ?? 1));
    const s = this.startup;
    if (s.tempFilesRemoved.length || s.strayFilesRemoved.length || s.badVersionsRemoved.length || s.currentIncomplete) {
      this.#log.warn({ ...s, versions: undefined }, 'content library: startup check cleaned up after an interruption');
    }
    this.#log.info({ objects: s.objects, versions: s.versions.length, current: s.current }, 'content library opened');
  }

  /** The catalog seats get, now and on every switch. */
  get current$(): Observable<ContentCatalog | undefined> {
    return this.#current.asObservable();
  }

  get currentVersion(): string | undefined {
    return this.#currentVersion;
  }

  /** The catalog for seats: the current version by default, or one still in use by some seats. */
  catalog(catalogVersion: string | undefined = this.#currentVersion): ContentCatalog | undefined {
    return catalogVersion === this.#currentVersion ? this.#current.value : this.#buildCatalog(catalogVersion);
  }

  /** What to serve for a catalog path (exact, case-sensitive), or undefined: not listed, or its object is missing. */
  open(path: string, catalogVersion: string | undefined = this.#currentVersion): OpenedFile | undefined {
    const f = catalogVersion === undefined ? undefined : this.#versions.get(catalogVersion)?.byPath.get(path);
    if (!f || !this.#objects.has(f.sha256)) return undefined;
    return { file: this.objectPath(f.sha256), size: f.size, sha256: f.sha256, etag: etag(f.sha256), kind: f.kind };
  }

  manifest(catalogVersion: string): ContentManifest | undefined {
    return this.#versions.get(catalogVersion)?.manifest;
  }

  versions(): VersionInfo[] {
    return [...this.#versions.values()]
      .map(({ manifest: m, objects }) => {
        const missing = this.#missing(m.catalogVersion);
        return {
          catalogVersion: m.catalogVersion,
          createdAt: m.createdAt,
          files: m.files.length,
          bytes: [...objects.values()].reduce((a, b) => a + b, 0),
          missing,
          complete: missing === 0,
          current: m.catalogVersion === this.#currentVersion,
        };
      })
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.catalogVersion.localeCompare(b.catalogVersion));
  }

  objectPath(sha256: string): string {
    return join(this.objectsDir, sha256);
  }

  /** `verified`: hashed by this process; `unchecked`: found at startup, re-hash pending; `absent`. */
  objectState(sha256: string): 'verified' | 'unchecked' | 'absent' {
    const v = this.#objects.get(sha256);
    return v === undefined ? 'absent' : v ? 'verified' : 'unchecked';
  }

  /** Hashes an unchecked object now (in a worker); a bad one is deleted. True when it is verified. */
  ensureVerified(sha256: string, size?: number): Promise<boolean> {
    const state = this.objectState(sha256);
    if (state !== 'unchecked') return Promise.resolve(state === 'verified');
    let p = this.#verifying.get(sha256);
    if (!p) {
      p = this.#verifyObject(sha256, size).then((r) => r === undefined);
      this.#verifying.set(sha256, p);
      void p.finally(() => this.#verifying.delete(sha256)).catch(() => undefined);
    }
    return p;
  }

  // ---- for the ingest engine ----

  /** Claims the library for one ingest; the returned function releases it. */
  beginIngest(): () => void {
    if (this.#busy) throw new ContentError('busy', this.#busy === 'ingest' ? 'another content drive is being copied; wait for it to finish' : 'the library is being cleaned up; try again in a moment');
    this.#busy = 'ingest';
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#busy = undefined;
      this.#ingesting = undefined;
    };
  }

  /**
   * Stores a verified manifest durably (`versions/<v>.json`), before any of its
   * objects is copied: the startup check and GC then know what they belong to.
   * The same version with other content is a conflict, not an overwrite.
   */
  async addVersion(m: ContentManifest): Promise<'new' | 'known'> {
    this.#ingesting = m.catalogVersion;
    const known = this.#versions.get(m.catalogVersion);
    if (known) {
      if (Buffer.compare(signedBytes(known.manifest), signedBytes(m)) === 0) return 'known';
      throw new ContentError(
        'conflict',
        `catalog ${m.catalogVersion} is already on board with different content: a drive must never reuse a catalogVersion (repack it with a new one)`,
        'catalogVersion',
      );
    }
    await mkdirDurably(this.versionsDir);
    await writeFileDurably(join(this.versionsDir, `${m.catalogVersion}.json`), serializeManifest(m));
    this.#versions.set(m.catalogVersion, indexVersion(m));
    return 'new';
  }

  /** Records an object the copy worker verified and renamed into place (its directory is synced by `syncObjects`). */
  markVerified(sha256: string): void {
    this.#objects.set(sha256, true);
  }

  /** After a copy was cut off mid-way: the object may or may not have been renamed into place. */
  async adoptIfPresent(sha256: string): Promise<void> {
    const st = await lstat(this.objectPath(sha256)).catch(() => undefined);
    if (st?.isFile() && !this.#objects.has(sha256)) this.#objects.set(sha256, false);
  }

  /** Makes every rename into objects/ durable. */
  syncObjects(): Promise<void> {
    return fsyncDir(this.objectsDir);
  }

  /** Switches `current` atomically; refused unless every object of the version is present and verified. */
  async publish(catalogVersion: string): Promise<void> {
    const v = this.#versions.get(catalogVersion);
    if (!v) throw new ContentError('invalid', `catalog ${catalogVersion} is not in the library`);
    const unverified = [...v.objects.keys()].filter((sha) => this.#objects.get(sha) !== true);
    if (unverified.length) throw new ContentError('missing', `catalog ${catalogVersion} cannot be published: ${unverified.length} of its files are not verified in the library`);
    await this.syncObjects();
    await writeFileDurably(join(this.dir, CURRENT), `${JSON.stringify({ catalogVersion })}\n`);
    this.#currentVersion = catalogVersion;
    this.#current.next(this.#buildCatalog(catalogVersion));
    this.#log.info({ catalogVersion, files: v.manifest.files.length }, 'content catalog published');
  }

  /**
   * Deletes every version not in `inUse` (the versions seats still report)
   * and not current, then every object no remaining version lists. Versions
   * go first: a power cut in between leaves only unreferenced objects, which
   * the next GC removes.
   */
  async gc(inUse: Iterable<string>): Promise<GcReport> {
    if (this.#busy) throw new ContentError('busy', 'a content drive is being copied; clean up after it finishes');
    this.#busy = 'gc';
    try {
      const keep = new Set(inUse);
      if (this.#currentVersion !== undefined) keep.add(this.#currentVersion);
      const versionsRemoved: string[] = [];
      for (const name of [...this.#versions.keys()]) {
        if (keep.has(name)) continue;
        await removeIfPresent(join(this.versionsDir, `${name}.json`));
        this.#versions.delete(name);
        versionsRemoved.push(name);
      }
      if (versionsRemoved.length) await fsyncDir(this.versionsDir);
      const needed = new Set<string>();
      for (const v of this.#versions.values()) for (const sha of v.objects.keys()) needed.add(sha);
      let objectsRemoved = 0;
      let bytesFreed = 0;
      for (const name of await readdir(this.objectsDir)) {
        if (!SHA_NAME.test(name) || needed.has(name)) continue;
        const st = await lstat(join(this.objectsDir, name)).catch(() => undefined);
        await removeIfPresent(join(this.objectsDir, name));
        this.#objects.delete(name);
        objectsRemoved++;
        bytesFreed += st?.size ?? 0;
      }
      if (objectsRemoved) await fsyncDir(this.objectsDir);
      const report = { versionsRemoved, objectsRemoved, bytesFreed };
      if (versionsRemoved.length || objectsRemoved) this.#log.info(report, 'content library cleaned up');
      return report;
    } finally {
      this.#busy = undefined;
    }
  }

  // ---- internals ----

  #missing(catalogVersion: string): number {
    const v = this.#versions.get(catalogVersion);
    if (!v) return 0;
    let n = 0;
    for (const sha of v.objects.keys()) if (!this.#objects.has(sha)) n++;
    return n;
  }

  #buildCatalog(catalogVersion: string | undefined): ContentCatalog | undefined {
    const v = catalogVersion === undefined ? undefined : this.#versions.get(catalogVersion);
    if (!v) return undefined;
    const files = v.manifest.files
      .filter((f) => this.#objects.has(f.sha256))
      .map(({ path, size, sha256, kind, title, lang, description, durationSec, poster }) => ({
        path, size, sha256, kind, title, lang, etag: etag(sha256),
        ...(description === undefined ? {} : { description }),
        ...(durationSec === undefined ? {} : { durationSec }),
        ...(poster === undefined ? {} : { poster }),
      }));
    return { catalogVersion: v.manifest.catalogVersion, createdAt: v.manifest.createdAt, files };
  }

  /** Undefined when good; else why it was deleted. */
  async #verifyObject(sha256: string, size?: number): Promise<string | undefined> {
    let reason: string | undefined;
    try {
      const r = await this.#workers.hashFile(this.objectPath(sha256));
      if (r.sha256 !== sha256) reason = 'its bytes no longer match its SHA-256';
      else if (size !== undefined && r.size !== size) reason = `it is ${r.size} bytes, not ${size}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#objects.delete(sha256); // deleted meanwhile (GC)
        return 'it is gone';
      }
      reason = `it could not be read (${(err as Error).message})`;
    }
    this.#checkedAtStart?.add(sha256);
    if (reason === undefined) {
      if (this.#objects.has(sha256)) this.#objects.set(sha256, true);
      return undefined;
    }
    await removeIfPresent(this.objectPath(sha256));
    await fsyncDir(this.objectsDir);
    this.#objects.delete(sha256);
    this.#removedAtStart?.push({ sha256, reason });
    this.#log.warn({ sha256, reason }, 'content object failed its check and was removed');
    if (this.#currentVersion !== undefined && this.#versions.get(this.#currentVersion)?.objects.has(sha256)) {
      this.#current.next(this.#buildCatalog(this.#currentVersion));
    }
    return reason;
  }

  async #rehash(concurrency: number): Promise<RehashReport> {
    const todo = [...this.#objects.keys()].filter((sha) => this.#objects.get(sha) === false);
    let next = 0;
    const runner = async (): Promise<void> => {
      while (next < todo.length) {
        const sha = todo[next++]!;
        if (this.objectState(sha) !== 'unchecked') continue;
        const inFlight = this.#verifying.get(sha);
        if (inFlight) {
          await inFlight; // a seat asked for it first
          continue;
        }
        const p = this.#verifyObject(sha);
        this.#verifying.set(sha, p.then((r) => r === undefined));
        await p.finally(() => this.#verifying.delete(sha));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, runner));
    // Counted by what was hashed, whether the re-hash or a seat's request got there first.
    const checked = todo.filter((sha) => this.#checkedAtStart?.has(sha)).length;
    const removed = this.#removedAtStart ?? [];
    this.#checkedAtStart = undefined;
    this.#removedAtStart = undefined;
    const lost = new Set(removed.map((r) => r.sha256));
    const incompleteVersions = [...this.#versions.values()].filter((v) => [...v.objects.keys()].some((s) => lost.has(s))).map((v) => v.manifest.catalogVersion);
    const report = { checked, removed, incompleteVersions };
    if (removed.length) this.#log.warn(report, 'content library: damaged objects removed; re-insert the drives of these catalogs to repair them');
    else this.#log.info({ checked }, 'content library: every object checked');
    return report;
  }
}

export function etag(sha256: string): string {
  return `"${sha256}"`;
}

function indexVersion(manifest: ContentManifest): Version {
  const byPath = new Map<string, ContentFile>();
  const objects = new Map<string, number>();
  for (const f of manifest.files) {
    byPath.set(f.path, f);
    objects.set(f.sha256, f.size);
  }
  return { manifest, byPath, objects };
}

interface Scan {
  temps: string[];
  strays: string[];
  badVersions: { file: string; reason: string }[];
  objects: string[];
  versions: Map<string, Version>;
  current: string | undefined;
}

async function scanLibrary(dir: string, workers: ContentWorkers, limits: ManifestLimits): Promise<Scan> {
  const objectsDir = join(dir, 'objects');
  const versionsDir = join(dir, 'versions');
  await mkdirDurably(objectsDir);
  await mkdirDurably(versionsDir);
  const scan: Scan = { temps: [], strays: [], badVersions: [], objects: [], versions: new Map(), current: undefined };

  // Entry types from readdir itself: no stat per object, which with 10,000 objects was most of the scan.
  for (const [where, entries] of [
    [dir, await readdir(dir, { withFileTypes: true })],
    [objectsDir, await readdir(objectsDir, { withFileTypes: true })],
    [versionsDir, await readdir(versionsDir, { withFileTypes: true })],
  ] as const) {
    let changed = false;
    for (const entry of entries) {
      const name = entry.name;
      const path = join(where, name);
      if (isTempName(name)) {
        await removeIfPresent(path);
        scan.temps.push(path);
        changed = true;
      } else if (where === objectsDir) {
        if (SHA_NAME.test(name) && entry.isFile()) scan.objects.push(name);
        else if (!entry.isDirectory()) {
          await removeIfPresent(path);
          scan.strays.push(path);
          changed = true;
        }
      }
    }
    if (changed) await fsyncDir(where);
  }

  for (const name of await readdir(versionsDir)) {
    const file = join(versionsDir, name);
    const catalogVersion = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
    let reason: string | undefined;
    if (!isCatalogVersion(catalogVersion)) reason = 'not a version manifest name';
    else {
      try {
        const m = await workers.readManifest(file, { limits });
        if (m.catalogVersion !== catalogVersion) reason = `it holds catalog ${m.catalogVersion}`;
        else scan.versions.set(catalogVersion, indexVersion(m));
      } catch (err) {
        reason = (err as Error).message;
      }
    }
    if (reason !== undefined) {
      await removeIfPresent(file);
      scan.badVersions.push({ file, reason });
    }
  }
  if (scan.badVersions.length) await fsyncDir(versionsDir);

  const text = await readFile(join(dir, CURRENT), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text !== undefined) {
    try {
      const v = (JSON.parse(text) as { catalogVersion?: unknown }).catalogVersion;
      scan.current = isCatalogVersion(v) ? v : '';
    } catch {
      scan.current = '';
    }
  }
  return scan;
}

