import { realpath, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Observable } from 'rxjs';
import { systemClock, type Clock } from '../../core/clock.js';
import { removeIfPresent, tempPathFor } from '../../core/durable-fs.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { ContentError, readableSize, isDriveGone } from './errors.js';
import { contentVerifier, type VerifyKey } from './keys.js';
import type { ContentLibrary } from './library.js';
import { DEFAULT_LIMITS, MANIFEST_NAME, type ContentManifest, type ManifestLimits } from './manifest.js';
import type { ContentWorkers } from './workers.js';

export interface IngestOptions {
  /** Where the drive is mounted (read-only). */
  drive: string;
  /** The content public key seats and this controller trust. */
  publicKey: VerifyKey;
  library: ContentLibrary;
  workers: ContentWorkers;
  /** Files copied at once. Default 2. */
  concurrency?: number;
  /** The whole copy reads at most this fast (bytes per second), shared by the concurrent copies. Unset: as fast as the drive goes. */
  copyBytesPerSecond?: number;
  limits?: ManifestLimits;
  /** Accept a drive packed before the current catalog (a deliberate rollback). */
  allowOlder?: boolean;
  /** Free space kept beyond what the copy needs. Default 256 MB. */
  spareBytes?: number;
  /** Progress is emitted at most this often while copying. Default 250 ms. */
  progressIntervalMs?: number;
  clock?: Clock;
  log?: LogSink;
  /** Tests only: a byte offset at which reading `path` fails with EIO, as when the drive is pulled. */
  faultAt?: (path: string) => number | undefined;
}

export type IngestPhase = 'verifying' | 'checking' | 'copying' | 'publishing' | 'done';

export interface IngestProgress {
  phase: IngestPhase;
  catalogVersion?: string;
  /** Listed files whose bytes are in the library, verified. */
  filesDone: number;
  filesTotal: number;
  /** Distinct bytes (a file listed twice is stored once). */
  bytesDone: number;
  bytesTotal: number;
  /** Files this ingest copied, and files that were already on board (earlier drive, or before a pull). */
  filesCopied: number;
  filesReused: number;
  /** Bytes this ingest copied from the drive. */
  bytesCopied: number;
  /** Copy rate over this ingest, bytes per second; undefined until measurable. */
  bytesPerSecond: number | undefined;
  etaSeconds: number | undefined;
  /** A file being copied now. */
  currentFile: string | undefined;
  /** True only in the final `done` event: nothing on the drive is open and the new catalog is published. */
  safeToRemove: boolean;
  /** One line for the crew. */
  message: string;
}

export interface IngestResult {
  catalogVersion: string;
  filesCopied: number;
  filesReused: number;
  bytesCopied: number;
}

// Files under 1 MB travel to a worker in runs of up to 64 files or 8 MB.
const SMALL_FILE = 1 << 20;
const BATCH_FILES = 64;
const BATCH_BYTES = 8 << 20;

interface Job {
  sha256: string;
  size: number;
  /** Every listed path with these bytes. */
  paths: string[];
}

/**
 * Verifies a mounted content drive, copies what the library lacks into it
 * (on worker threads, hashing the bytes as they are written) and publishes
 * its catalog. Cold: each subscription runs one ingest; unsubscribing stops
 * it. Completes after a `done` event; errors with a ContentError whose
 * message is for the crew. Either way, once it ends nothing on the drive is
 * open, and whatever was verified stays in the library for the next try.
 */
export function ingest(opts: IngestOptions): Observable<IngestProgress> {
  return new Observable<IngestProgress>((subscriber) => {
    const abort = new AbortController();
    run(opts, abort.signal, (p) => subscriber.next(p)).then(
      () => subscriber.complete(),
      (err: unknown) => subscriber.error(toContentError(err)),
    );
    return () => abort.abort();
  });
}

/** Runs an ingest to its end: the result, or rejects with the ContentError. */
export function ingestDrive(opts: IngestOptions, onProgress?: (p: IngestProgress) => void): Promise<IngestResult> {
  return new Promise((resolve, reject) => {
    let last: IngestProgress | undefined;
    ingest(opts).subscribe({
      next: (p) => {
        last = p;
        onProgress?.(p);
      },
      error: reject,
      complete: () => {
        const { catalogVersion = '', filesCopied = 0, filesReused = 0, bytesCopied = 0 } = last ?? {};
        resolve({ catalogVersion, filesCopied, filesReused, bytesCopied });
      },
    });
  });
}

async function run(opts: IngestOptions, signal: AbortSignal, emit: (p: IngestProgress) => void): Promise<IngestResult> {
  const { library, workers } = opts;
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? silentLog;
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const interval = opts.progressIntervalMs ?? 250;
  const state = {
    phase: 'verifying' as IngestPhase,
    catalogVersion: undefined as string | undefined,
    filesDone: 0,
    filesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
    filesCopied: 0,
    filesReused: 0,
    current: new Set<string>(),
  };
  let copyStart: number | undefined;
  let bytesCopied = 0;
  const inFlight = new Map<string, number>(); // sha256 -> bytes copied so far
  let lastEmit = -Infinity;

  const snapshot = (message: string, safeToRemove = false): IngestProgress => {
    const partial = [...inFlight.values()].reduce((a, b) => a + b, 0);
    const elapsed = copyStart === undefined ? 0 : (clock.mono() - copyStart) / 1000;
    const moved = bytesCopied + partial;
    const rate = elapsed >= 1 && moved > 0 ? moved / elapsed : undefined;
    const left = state.bytesTotal - state.bytesDone - partial;
    return {
      phase: state.phase,
      ...(state.catalogVersion ? { catalogVersion: state.catalogVersion } : {}),
      filesDone: state.filesDone,
      filesTotal: state.filesTotal,
      bytesDone: state.bytesDone + partial,
      bytesTotal: state.bytesTotal,
      filesCopied: state.filesCopied,
      filesReused: state.filesReused,
      bytesCopied: moved,
      bytesPerSecond: rate,
      etaSeconds: rate === undefined ? undefined : Math.ceil(Math.max(0, left) / rate),
      currentFile: state.current.values().next().value,
      safeToRemove,
      message,
    };
  };
  const report = (force: boolean, message?: string): void => {
    const now = clock.mono();
    if (!force && now - lastEmit < interval) return;
    lastEmit = now;
    const p = snapshot(message ?? copyingMessage());
    emit(p);
  };
  const copyingMessage = (): string => {
    const p = snapshot('');
    const eta = p.etaSeconds === undefined ? '' : `, about ${duration(p.etaSeconds)} left`;
    return `Copying ${p.filesDone} of ${p.filesTotal} files (${readableSize(p.bytesDone)} of ${readableSize(p.bytesTotal)})${eta}`;
  };
  const phase = (p: IngestPhase, message: string): void => {
    state.phase = p;
    report(true, message);
  };

  phase('verifying', 'Checking the drive’s signature');
  const release = library.beginIngest();
  try {
    const key = contentVerifier(opts.publicKey);
    let root: string;
    try {
      root = await realpath(opts.drive);
    } catch (err) {
      throw driveError(err, `the drive is not mounted at ${opts.drive}`);
    }
    const manifest = await workers.readManifest(join(root, MANIFEST_NAME), { publicKeyRaw: key.publicKeyRaw, limits: opts.limits ?? DEFAULT_LIMITS });
    checkNotStale(manifest, library, opts.allowOlder ?? false);
    state.catalogVersion = manifest.catalogVersion;
    state.filesTotal = manifest.files.length;
    await library.addVersion(manifest);

    phase('checking', `Catalog ${manifest.catalogVersion}: checking what is already on board`);
    const jobs = new Map<string, Job>();
    for (const f of manifest.files) {
      const j = jobs.get(f.sha256);
      if (j) j.paths.push(f.path);
      else jobs.set(f.sha256, { sha256: f.sha256, size: f.size, paths: [f.path] });
    }
    const todo: Job[] = [];
    for (const j of jobs.values()) {
      state.bytesTotal += j.size;
      if (signal.aborted) throw cancelled();
      if (await library.ensureVerified(j.sha256, j.size)) {
        state.bytesDone += j.size;
        state.filesDone += j.paths.length;
        state.filesReused += j.paths.length;
      } else {
        todo.push(j);
      }
    }

    const needed = todo.reduce((a, j) => a + j.size, 0);
    const spare = opts.spareBytes ?? 256 * 1024 ** 2; // as content.spareBytes defaults
    const fs = await statfs(library.objectsDir);
    const free = fs.bavail * fs.bsize;
    if (needed + spare > free) {
      throw new ContentError('no-space', `not enough space: needs ${readableSize(needed + spare)}, ${readableSize(free)} free. Remove old catalogs no seat uses, then insert the drive again`);
    }

    phase('copying', copyingMessage());
    copyStart = clock.mono();
    let stop: ContentError | undefined;
    const problems: ContentError[] = [];
    let next = 0;
    let lastSync = clock.mono();
    /** The next task: one large file, or a run of small ones. */
    const takeBatch = (): Job[] => {
      const batch: Job[] = [];
      let bytes = 0;
      while (next < todo.length && batch.length < BATCH_FILES) {
        const j = todo[next]!;
        if (batch.length > 0 && (j.size >= SMALL_FILE || bytes + j.size > BATCH_BYTES)) break;
        batch.push(j);
        bytes += j.size;
        next++;
        if (j.size >= SMALL_FILE) break;
      }
      return batch;
    };
    const copyBatch = async (batch: Job[]): Promise<void> => {
      const items = batch.map((j) => {
        const fault = opts.faultAt?.(j.paths[0]!);
        return {
          rel: j.paths[0]!, size: j.size, sha256: j.sha256, tmp: tempPathFor(library.objectPath(j.sha256)), dest: library.objectPath(j.sha256),
          ...(fault === undefined ? {} : { faultAfterBytes: fault }),
        };
      });
      for (const j of batch) {
        state.current.add(j.paths[0]!);
        inFlight.set(j.sha256, 0);
      }
      let results: (number | ContentError | null)[];
      try {
        results = await workers.copy(root, items, {
          signal,
          ...(opts.copyBytesPerSecond ? { bytesPerSecond: opts.copyBytesPerSecond / concurrency } : {}),
          onProgress: (i, done) => {
            inFlight.set(batch[i]!.sha256, done);
            report(false);
          },
        });
      } catch (err) {
        if (signal.aborted) {
          // The thread was stopped mid-copy: a temp file may remain, or a rename may have happened.
          for (const it of items) await removeIfPresent(it.tmp);
          for (const j of batch) await library.adoptIfPresent(j.sha256);
        }
        stop ??= toContentError(err);
        results = [];
      } finally {
        for (const j of batch) {
          inFlight.delete(j.sha256);
          state.current.delete(j.paths[0]!);
        }
      }
      results.forEach((r, i) => {
        const j = batch[i]!;
        if (typeof r === 'number') {
          library.markVerified(j.sha256);
          bytesCopied += j.size;
          state.bytesDone += j.size;
          state.filesDone += j.paths.length;
          state.filesCopied += j.paths.length;
        } else if (r instanceof ContentError) {
          if (r.code === 'corrupt' || r.code === 'missing' || r.code === 'unsafe-file') {
            problems.push(r);
            log.warn({ path: r.path, code: r.code }, r.message);
          } else {
            stop ??= r;
          }
        }
      });
    };
    const runner = async (): Promise<void> => {
      while (!stop && next < todo.length) {
        if (signal.aborted) {
          stop ??= cancelled();
          break;
        }
        await copyBatch(takeBatch());
        if (clock.mono() - lastSync > 1000) {
          lastSync = clock.mono();
          await library.syncObjects(); // resume progress survives a power cut, too
        }
        report(false);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, runner));
    await library.syncObjects();
    const onBoard = `${state.filesDone} of ${state.filesTotal} files are safely on board`;
    if (stop) {
      const again = stop.code === 'cancelled' ? '' : '; insert the drive again to continue where it stopped';
      throw new ContentError(stop.code, `${stop.message}. ${onBoard}${again}.`, stop.field, stop.path);
    }
    if (problems.length) {
      const first = problems[0]!;
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more file${problems.length > 2 ? 's' : ''})` : '';
      throw new ContentError(first.code, `${first.message}${more}. ${onBoard}; catalog ${manifest.catalogVersion} was not published.`, first.field, first.path);
    }

    phase('publishing', `Publishing catalog ${manifest.catalogVersion} to the seats`);
    await library.publish(manifest.catalogVersion);
    state.phase = 'done';
    const summary = { catalogVersion: manifest.catalogVersion, filesCopied: state.filesCopied, filesReused: state.filesReused, bytesCopied };
    log.info(summary, 'content drive ingested');
    emit(snapshot(`Catalog ${manifest.catalogVersion} is on board and published to the seats: safe to remove the drive`, true));
    return summary;
  } finally {
    release();
  }
}

function checkNotStale(m: ContentManifest, library: ContentLibrary, allowOlder: boolean): void {
  const cur = library.currentVersion === undefined ? undefined : library.manifest(library.currentVersion);
  if (allowOlder || !cur || cur.catalogVersion === m.catalogVersion) return;
  if (Date.parse(m.createdAt) < Date.parse(cur.createdAt)) {
    throw new ContentError(
      'stale',
      `this drive (catalog ${m.catalogVersion}, packed ${m.createdAt.slice(0, 10)}) is older than the content on board (catalog ${cur.catalogVersion}, packed ${cur.createdAt.slice(0, 10)}); nothing was copied`,
      'createdAt',
    );
  }
}

function driveError(err: unknown, message: string): ContentError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || isDriveGone(code)) return new ContentError('drive-removed', message);
  return toContentError(err);
}

function cancelled(): ContentError {
  return new ContentError('cancelled', 'the copy was stopped');
}

function toContentError(err: unknown): ContentError {
  if (err instanceof ContentError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOSPC') return new ContentError('no-space', 'not enough space: the library’s disk is full');
  return new ContentError('io', e?.message ?? String(err));
}

function duration(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.ceil(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.ceil((s % 3600) / 60)} min`;
}
