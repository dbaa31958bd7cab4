import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { Agent } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../../../core/backoff.js';
import { deriveLruKey } from '../../../protocols/seat-poll/hmac.js';
import type { ContentReport } from '../../../protocols/seat-poll/types.js';
import type { SeatModel } from '../seat-model.js';
import { fileUrl, readAll, signedGet } from './fetch.js';

export interface ContentStats {
  /** Body bytes the seats took in (hashed and kept): above what they needed only when a transfer had to restart from 0. */
  bytesReceived: number;
  /** Bytes of objects verified. */
  bytesVerified: number;
  objectsVerified: number;
  disconnects: number;
  resumes: number;
  restartsFromZero: number;
  corrupt: number;
  requests: number;
  failures: number;
}

export interface ContentSeatContext {
  agent: Agent;
  secret: Buffer;
  /** Where each seat keeps its objects (`<dir>/<seat>/objects/<sha>`); without it bytes are hashed and dropped. */
  dir?: string;
  stats: ContentStats;
  /** Disconnects still to force on this seat's transfers (spread over what it must fetch). */
  disconnectsFor(seat: string): number;
  stopping: AbortSignal;
  now: () => number;
  maxAttempts: number;
}

interface CatalogFile {
  path: string;
  size: number;
  sha256: string;
  etag: string;
}

interface Partial {
  hash: Hash;
  bytes: number;
}

class Disconnect extends Error {}
class Fatal extends Error {}
/** 503 with Retry-After (BUSY, VERIFYING): the controller asks to be asked again later; not a failed attempt. */
class Later extends Error {
  constructor(
    message: string,
    readonly afterMs: number,
  ) {
    super(message);
  }
}

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * One seat's content library: on content.sync it fetches the catalog, then
 * each object it lacks, resuming an interrupted one with `Range: bytes=N-`
 * and `If-Range: <etag>`. The sha256 is computed incrementally as the bytes
 * arrive (a chunk at a time, never a whole file at once), and the hash state
 * of a partial object is kept, so a resumed transfer is not read again.
 */
export class ContentSeat {
  readonly #have = new Set<string>();
  readonly #partial = new Map<string, Partial>();
  #version: string | undefined;
  #target: string | undefined;
  #run: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #report: ContentReport = { state: 'idle' };
  #forced = 0;
  #disconnectAt: number[] = [];
  #received = 0;

  constructor(
    private readonly model: SeatModel,
    private readonly ctx: ContentSeatContext,
  ) {
    this.#publish({ state: 'idle' });
  }

  get report(): ContentReport {
    return this.#report;
  }
  get version(): string | undefined {
    return this.#version;
  }
  /** Settles when the current sync ends (at once when none runs). */
  settled(): Promise<void> {
    return this.#run ?? Promise.resolve();
  }
  has(sha256: string): boolean {
    return this.#have.has(sha256);
  }

  /** content.sync: starts (or restarts, for a newer target) a sync; a repeat for the same target is a no-op. */
  sync(args: Record<string, unknown>): 'applied' | 'rejected' {
    const { catalogVersion, url } = args;
    if (typeof catalogVersion !== 'string' || !VERSION.test(catalogVersion) || typeof url !== 'string' || !URL.canParse(url) || new URL(url).protocol !== 'http:') return 'rejected';
    if (this.#version === catalogVersion && this.#report.state === 'ready') return 'applied';
    if (this.#target === catalogVersion && this.#run) return 'applied';
    this.#abort?.abort();
    this.#target = catalogVersion;
    const abort = new AbortController();
    this.#abort = abort;
    const prev = this.#run ?? Promise.resolve();
    this.#run = prev
      .then(() => this.#sync(new URL(url), catalogVersion, abort.signal))
      .catch((err: Error) => {
        if (abort.signal.aborted) return;
        this.ctx.stats.failures++;
        this.#publish({ state: 'failed', ...this.#versionField(), target: catalogVersion, error: err.message.slice(0, 256) });
      })
      .finally(() => {
        if (this.#abort === abort) {
          this.#abort = undefined;
          this.#run = undefined;
        }
      });
    return 'applied';
  }

  stop(): void {
    this.#abort?.abort();
  }

  #versionField(): { version?: string } {
    return this.#version ? { version: this.#version } : {};
  }

  #publish(r: ContentReport): void {
    this.#report = r;
    this.model.setContent(r);
  }

  #auth() {
    const serial = this.model.lru.serial;
    return { key: deriveLruKey(this.ctx.secret, serial), serial, now: this.ctx.now() };
  }

  async #sync(catalogUrl: URL, target: string, signal: AbortSignal): Promise<void> {
    const url = new URL(catalogUrl);
    url.searchParams.set('version', target);
    const catalog = await this.#retry(signal, async () => {
      const { res } = await signedGet(this.ctx.agent, url, this.#auth());
      this.ctx.stats.requests++;
      const body = await readAll(res);
      if (res.statusCode !== 200) throw fatalFor(res.statusCode ?? 0, body, res.headers['retry-after']);
      return JSON.parse(body.toString('utf8')) as { catalogVersion: string; files: CatalogFile[] };
    });
    if (catalog.catalogVersion !== target) throw new Error(`asked for catalog ${target}, got ${catalog.catalogVersion}`);
    const objects = new Map<string, CatalogFile>();
    for (const f of catalog.files) if (!objects.has(f.sha256)) objects.set(f.sha256, f);
    const bytesTotal = [...objects.values()].reduce((n, f) => n + f.size, 0);
    const missing = [...objects.values()].filter((f) => !this.#have.has(f.sha256));
    const missingBytes = missing.reduce((n, f) => n + f.size, 0);
    // Forced disconnects (fault injection) are spread evenly over what must be fetched.
    const k = this.ctx.disconnectsFor(this.model.seat);
    this.#received = 0;
    this.#disconnectAt = Array.from({ length: k }, (_, i) => Math.floor((missingBytes * (i + 1)) / (k + 1)));
    let bytesDone = bytesTotal - missingBytes;
    let filesDone = objects.size - missing.length;
    const progress = () =>
      this.#publish({ state: 'syncing', ...this.#versionField(), target, filesDone, filesTotal: objects.size, bytesDone: Math.min(bytesDone + this.#inFlight(), bytesTotal), bytesTotal });
    progress();
    for (const f of missing) {
      await this.#retry(signal, () => this.#fetchObject(catalogUrl, f, target, signal, progress));
      filesDone++;
      bytesDone += f.size;
      progress();
    }
    this.#version = target;
    this.#target = undefined;
    this.#publish({ state: 'ready', version: target, filesDone, filesTotal: objects.size, bytesDone: bytesTotal, bytesTotal });
  }

  #inFlight(): number {
    let n = 0;
    for (const p of this.#partial.values()) n += p.bytes;
    return n;
  }

  async #retry<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted || this.ctx.stopping.aborted) throw new Error('stopped');
      try {
        return await fn();
      } catch (err) {
        if (err instanceof Later) {
          attempt--;
          await sleep(err.afterMs + Math.random() * 500, undefined, { signal }).catch(() => undefined);
          continue;
        }
        if (err instanceof Fatal || attempt + 1 >= this.ctx.maxAttempts) throw err;
        if (!(err instanceof Disconnect)) await sleep(backoffDelay(attempt, { initialMs: 100, maxMs: 3000 }, Math.random), undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #partialFor(f: CatalogFile, file: string | undefined): Promise<Partial> {
    const held = this.#partial.get(f.sha256);
    if (held) return held;
    const p: Partial = { hash: createHash('sha256'), bytes: 0 };
    // A partial file from an earlier run (no hash state in memory): hash what is there, streaming.
    if (file) {
      const size = await stat(file).then((s) => s.size, () => 0);
      if (size > 0 && size <= f.size) {
        for await (const c of createReadStream(file, { highWaterMark: 256 * 1024 })) p.hash.update(c as Buffer);
        p.bytes = size;
      } else if (size > f.size) await rm(file, { force: true });
    }
    this.#partial.set(f.sha256, p);
    return p;
  }

  async #fetchObject(catalogUrl: URL, f: CatalogFile, version: string, signal: AbortSignal, progress: () => void): Promise<void> {
    const dir = this.ctx.dir ? join(this.ctx.dir, this.model.seat) : undefined;
    const partialFile = dir ? join(dir, 'partial', f.sha256) : undefined;
    if (dir) await mkdir(join(dir, 'partial'), { recursive: true });
    let p = await this.#partialFor(f, partialFile);
    const headers: Record<string, string> = {};
    if (p.bytes > 0) {
      headers.range = `bytes=${p.bytes}-`;
      headers['if-range'] = f.etag;
      this.ctx.stats.resumes++;
    }
    const { res, destroy } = await signedGet(this.ctx.agent, fileUrl(catalogUrl, f.path, version), this.#auth(), headers);
    this.ctx.stats.requests++;
    const onAbort = () => destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    const fh = partialFile ? await open(partialFile, res.statusCode === 200 ? 'w' : 'a') : undefined;
    try {
      if (res.statusCode === 200 && p.bytes > 0) {
        // The server sent the whole file (If-Range did not match): start over.
        this.ctx.stats.restartsFromZero++;
        p = { hash: createHash('sha256'), bytes: 0 };
        this.#partial.set(f.sha256, p);
      } else if (res.statusCode === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
        if (!m || Number(m[1]) !== p.bytes) throw new Error(`unexpected Content-Range ${res.headers['content-range']}`);
      } else if (res.statusCode !== 200) {
        throw fatalFor(res.statusCode ?? 0, await readAll(res, 64 * 1024), res.headers['retry-after']);
      }
      for await (const chunk of res) {
        let c = chunk as Buffer;
        const next = this.#disconnectAt[0];
        if (next !== undefined && this.#received + c.length > next) {
          // Keep the bytes up to the cut, then drop the connection as a pulled cable would.
          c = c.subarray(0, Math.max(0, next - this.#received));
          this.#disconnectAt.shift();
          await this.#take(p, c, fh);
          this.ctx.stats.disconnects++;
          destroy();
          throw new Disconnect('forced disconnect');
        }
        await this.#take(p, c, fh);
        progress();
      }
      if (p.bytes !== f.size) throw new Disconnect(`transfer ended at ${p.bytes} of ${f.size} bytes`);
      const digest = p.hash.digest('hex');
      this.#partial.delete(f.sha256);
      if (digest !== f.sha256) {
        this.ctx.stats.corrupt++;
        if (partialFile) await rm(partialFile, { force: true });
        throw new Error(`${f.path}: sha256 mismatch (got ${digest.slice(0, 12)}…)`);
      }
      if (fh) {
        await fh.sync();
        await fh.close();
        await mkdir(join(dir!, 'objects'), { recursive: true });
        await rename(partialFile!, join(dir!, 'objects', f.sha256));
      }
      this.#have.add(f.sha256);
      this.ctx.stats.objectsVerified++;
      this.ctx.stats.bytesVerified += f.size;
    } catch (err) {
      if (err instanceof Fatal || err instanceof Disconnect || err instanceof Later) throw err;
      // A socket error mid-body is a disconnect too: resume from what was kept.
      throw new Disconnect((err as Error).message);
    } finally {
      signal.removeEventListener('abort', onAbort);
      await fh?.close().catch(() => undefined);
    }
  }

  async #take(p: Partial, c: Buffer, fh: import('node:fs/promises').FileHandle | undefined): Promise<void> {
    if (c.length === 0) return;
    p.hash.update(c);
    p.bytes += c.length;
    this.#received += c.length;
    this.ctx.stats.bytesReceived += c.length;
    if (fh) await fh.write(c);
  }
}

function fatalFor(status: number, body: Buffer, retryAfter?: string): Error {
  let msg = `HTTP ${status}`;
  try {
    const e = (JSON.parse(body.toString('utf8')) as { error?: { code?: string; message?: string } }).error;
    if (e) msg = `HTTP ${status} ${e.code}: ${e.message}`;
  } catch {
    /* not JSON */
  }
  // Retry-After in whole seconds (RFC 9110 10.2.3); a date or nonsense is an ordinary 5xx.
  const after = retryAfter !== undefined && /^\d{1,4}$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  if (status === 503 && after !== undefined) return new Later(msg, Math.min(after, 60_000));
  // Refusals do not get better by asking again; a 5xx might.
  return status >= 400 && status < 500 ? new Fatal(msg) : new Error(msg);
}
