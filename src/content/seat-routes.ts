import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deriveLruKey } from '../../protocols/seat-poll/hmac.js';
import type { ControllerContext } from '../contract/feature.js';
import { decideRange, etagMatches } from './http-range.js';
import type { ContentCatalog, ContentLibrary } from './library.js';
import { verifyContentRequest } from './seat-auth.js';
import { ChunkBuffers, sendFileRange } from './send-file-range.js';
import type { TransferSlots } from './transfer-slots.js';

export const CATALOG_PATH = '/content/v1/catalog';
export const FILES_PREFIX = '/content/v1/files/';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function fail(reply: FastifyReply, status: number, code: string, message: string, field?: string) {
  return reply.code(status).header('cache-control', 'no-store').send({ error: { code, message, ...(field ? { field } : {}) } });
}

/**
 * Which units may fetch: those installed at a seat of the cabin, looked up
 * from the registry at most once a second (a content request must not cost a
 * scan of every seat).
 */
class InstalledUnits {
  #serials = new Set<string>();
  #at = -Infinity;
  constructor(private readonly all: () => Iterable<{ lru: { serial: string } | null }>) {}
  has(serial: string): boolean {
    const now = performance.now();
    if (now - this.#at > 1000 || !this.#serials.has(serial)) {
      // A miss refreshes at once (a unit just installed), but no more than 20 times a second.
      if (now - this.#at > 50) {
        this.#serials = new Set([...this.all()].flatMap((s) => (s.lru ? [s.lru.serial] : [])));
        this.#at = now;
      }
    }
    return this.#serials.has(serial);
  }
}

/**
 * GET /content/v1/catalog and GET /content/v1/files/<path> (docs/protocol.md,
 * section 6): per-LRU signed requests, strong ETags (the sha256 of the bytes),
 * single-range 206, 416, If-Range and If-None-Match. Files are streamed from
 * the library (never read whole), at most `slots.max` at once, through
 * reused buffers; the poll shares the event loop with them.
 */
/** How long a request for a file found at start-up, not yet re-hashed, waits for its hash before a 503. */
export const VERIFY_WAIT_MS = 2000;

/** How long a file request waits for a transfer slot before a 503 BUSY (well inside a seat's 10 s timeout). */
export const TRANSFER_WAIT_MS = 2000;

export interface TransferFigures {
  /** File bodies being sent now, and requests waiting for a slot. */
  active: number;
  queued: number;
  max: number;
  /** Requests answered 503 BUSY since start. */
  busy: number;
}

export function contentSeatRoutes(library: ContentLibrary, opts: { windowMs: number; verifyWaitMs?: number; slots: TransferSlots; transferWaitMs?: number }) {
  const verifyWaitMs = opts.verifyWaitMs ?? VERIFY_WAIT_MS;
  const transferWaitMs = opts.transferWaitMs ?? TRANSFER_WAIT_MS;
  const buffers = new ChunkBuffers();
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    const keys = new Map<string, Buffer>();
    const keyFor = (serial: string) => {
      let k = keys.get(serial);
      if (!k) {
        if (keys.size > 20_000) keys.clear();
        k = deriveLruKey(ctx.cabinSecret, serial);
        keys.set(serial, k);
      }
      return k;
    };
    const installed = new InstalledUnits(() => ctx.registry.all());
    const catalogTags = new WeakMap<ContentCatalog, { body: string; etag: string }>();

    const authorize = (req: FastifyRequest, reply: FastifyReply): boolean => {
      const r = verifyContentRequest({ method: req.method, url: req.url, headers: req.headers, now: Date.now(), windowMs: opts.windowMs, keyFor, installed: (s) => installed.has(s) });
      if (r.ok) return true;
      ctx.metrics.errors.inc({ code: r.code });
      void fail(reply, r.status, r.code, r.message);
      return false;
    };

    const versionOf = (req: FastifyRequest, reply: FastifyReply): string | undefined | null => {
      const q = (req.query ?? {}) as Record<string, unknown>;
      const v = Object.hasOwn(q, 'version') ? q.version : undefined;
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || !VERSION.test(v)) {
        void fail(reply, 400, 'INVALID_VERSION', 'version must be a catalog version (1-64 of A-Z a-z 0-9 . _ -)', 'version');
        return null;
      }
      return v;
    };

    app.get(CATALOG_PATH, async (req, reply) => {
      if (!authorize(req, reply)) return reply;
      const v = versionOf(req, reply);
      if (v === null) return reply;
      const cat = library.catalog(v);
      if (!cat) return fail(reply, 404, v ? 'NO_SUCH_VERSION' : 'NO_CATALOG', v ? `catalog version ${v} is not on board` : 'no content has been loaded yet');
      let tagged = catalogTags.get(cat);
      if (!tagged) {
        const body = JSON.stringify(cat);
        tagged = { body, etag: `"${createHash('sha256').update(body).digest('hex')}"` };
        catalogTags.set(cat, tagged);
      }
      reply.header('etag', tagged.etag).header('cache-control', 'no-cache');
      if (etagMatches(req.headers['if-none-match'], tagged.etag, { weakOk: true })) return reply.code(304).send();
      return reply.type('application/json').send(tagged.body);
    });

    app.get(`${FILES_PREFIX}*`, async (req, reply) => {
      if (!authorize(req, reply)) return reply;
      const v = versionOf(req, reply);
      if (v === null) return reply;
      const path = (req.params as Record<string, string>)['*'] ?? '';
      const f = path.length > 0 && path.length <= 4096 ? library.open(path, v) : undefined;
      if (!f) return fail(reply, 404, 'NO_SUCH_FILE', v ? `no file ${JSON.stringify(path)} in catalog ${v}` : `no file ${JSON.stringify(path)} in the current catalog`, 'path');
      // After a restart the background re-hash has not reached every object yet: only verified bytes
      // leave. An unchecked object asked for is hashed now (once, however many seats ask), ahead of the rest.
      if (library.objectState(f.sha256) === 'unchecked') {
        const verified = await waitAtMost(library.ensureVerified(f.sha256, f.size), verifyWaitMs);
        if (verified === undefined) {
          reply.header('retry-after', '2');
          return fail(reply, 503, 'VERIFYING', `${JSON.stringify(path)} is being checked after the controller's start; try again shortly`, 'path');
        }
        if (!verified) return fail(reply, 404, 'NO_SUCH_FILE', `${JSON.stringify(path)} failed its check after the controller's start and was removed; the next content drive brings it back`, 'path');
      }
      reply.header('etag', f.etag).header('accept-ranges', 'bytes').header('cache-control', 'no-cache');
      if (etagMatches(req.headers['if-none-match'], f.etag, { weakOk: true })) return reply.code(304).send();
      // If-Range: the range only holds for the bytes the seat already has part of; else the whole file.
      const ifRange = req.headers['if-range'];
      const rangeHeader = ifRange === undefined || etagMatches(ifRange, f.etag) ? req.headers.range : undefined;
      const range = decideRange(rangeHeader, f.size);
      if (range.kind === 'unsatisfiable') {
        return reply.code(416).header('content-range', `bytes */${f.size}`).send({ error: { code: 'RANGE_NOT_SATISFIABLE', message: `the file has ${f.size} bytes`, field: 'range' } });
      }
      const start = range.kind === 'partial' ? range.start : 0;
      const end = range.kind === 'partial' ? range.end : f.size - 1;
      const length = f.size === 0 ? 0 : end - start + 1;
      let release: (() => void) | undefined;
      if (req.method !== 'HEAD' && length > 0) {
        release = await opts.slots.acquire(transferWaitMs);
        if (!release) {
          ctx.metrics.errors.inc({ code: 'BUSY' });
          // Spread the retries: 300 seats told "2" would come back in one burst.
          reply.removeHeader('etag').removeHeader('accept-ranges').header('retry-after', String(1 + Math.floor(Math.random() * 3)));
          return fail(reply, 503, 'BUSY', `the controller is sending ${opts.slots.max} files to seats already; try again shortly`);
        }
        // The slot is held until the body is sent or the seat goes away, whichever comes first.
        reply.raw.once('close', release);
        if (reply.raw.destroyed || req.raw.destroyed) {
          release();
          return reply;
        }
      }
      reply.type(f.kind === 'movie' || f.kind === 'show' ? 'video/mp4' : 'application/octet-stream').header('content-length', length);
      if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${f.size}`);
      if (req.method === 'HEAD' || length === 0) return reply.send('');
      // The body leaves through reused buffers (send-file-range.ts), past fastify's serializer.
      reply.hijack();
      reply.raw.writeHead(reply.statusCode, reply.getHeaders() as import('node:http').OutgoingHttpHeaders);
      void sendFileRange(f.file, start, end, reply.raw, buffers).finally(() => release?.());
      return reply;
    });
  };
}

/** The promise's value, or undefined if it has not settled within `ms` (it goes on; a later call finds it). */
function waitAtMost<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
