import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { commandsFeature } from '../../src/commands/feature.js';
import { contentFeature, type ContentService } from '../../src/content/feature.js';
import { ingestDrive } from '../../src/content/ingest.js';
import { pack } from '../../src/content/pack.js';
import { signContentRequest } from '../../src/content/seat-auth.js';
import { deriveLruKey } from '../../protocols/seat-poll/hmac.js';
import { SimContent } from '../../src/sim/content/sim-content.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { keyPair, sha256, tempRoot, writeTree } from './fixture.js';

/**
 * The seat side of content, against a real controller on loopback: signed
 * per-LRU requests, Range/ETag semantics, simulated seats syncing (with
 * forced disconnects) and reporting in their polls, GC held by seats' versions.
 * Drives come from plain directories here; test/content/drive-e2e.test.ts uses
 * real block devices.
 */
const secret = Buffer.from(TEST_SECRET, 'hex');
const keys = keyPair();
const rawPublic = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64');

let root: Awaited<ReturnType<typeof tempRoot>>;
let tc: TestController;
let sim: Simulator;
let simContent: SimContent;
let content: ContentService;
const movie = randomBytes(3 * 1024 * 1024 + 17);
const paper = Buffer.from('the morning paper, June 1');

async function packDrive(name: string, files: Record<string, Uint8Array | string>, catalogVersion: string, createdAt: string): Promise<string> {
  const drive = join(root.dir, name);
  await writeTree(drive, files);
  await pack(drive, keys.privateKey, { catalogVersion, createdAt, workers: root.workers });
  return drive;
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; seats: ${JSON.stringify(tc.controller.ctx.registry.all().filter((s) => s.lru).map((s) => [s.seat, s.content]))}; sim: ${JSON.stringify(simContent?.stats)}`);
    await sleep(50);
  }
}

function signed(path: string, serial = 'GP3-000001', key = deriveLruKey(secret, serial), extra: Record<string, string> = {}, now = Date.now()) {
  return fetch(`${tc.url}${path}`, { headers: { ...signContentRequest(key, serial, 'GET', path, now), ...extra } });
}

describe('content served to seats', () => {
  before(async () => {
    root = await tempRoot('serve');
    tc = await startTestController({ content: { enabled: false, publicKey: rawPublic }, commands: { catchUpPollMs: 100 } }, [commandsFeature(), contentFeature({ gcIntervalMs: 500 })]);
    content = tc.controller.ctx.need('content');
    sim = new Simulator({ controller: tc.url, secret, seats: 4, pollIntervalMs: 200 });
    simContent = new SimContent(sim, { secret, dir: join(root.dir, 'seats') });
    sim.start();
    await until('seats online', () => tc.controller.ctx.registry.onlineCount() === 4);
  });
  after(async () => {
    simContent?.stop();
    await sim?.stop();
    await tc?.stop();
    await root?.cleanup();
  });

  it('publishes an ingested drive: content.sync reaches every seat, which fetch, verify and report it (resuming after cuts)', async () => {
    const drive = await packDrive('d1', { 'movies/Heat (1995).mp4': movie, 'newspapers/Times 06-01.pdf': paper }, '2025-06', '2025-06-01T08:00:00Z');
    simContent.forceDisconnects('1A', 3);
    await ingestDrive({ drive, publicKey: rawPublic, library: content.library, workers: root.workers });
    await until('every seat ready on 2025-06', () => tc.controller.ctx.registry.all().filter((s) => s.lru).every((s) => s.content?.state === 'ready' && s.content.version === '2025-06'));
    for (const s of ['1A', '1B', '1C', '1D']) {
      assert.deepEqual(await readFile(join(root.dir, 'seats', s, 'objects', sha256(movie))), movie, `${s} holds the movie`);
      assert.equal((await readFile(join(root.dir, 'seats', s, 'objects', sha256(paper)))).toString(), paper.toString());
    }
    assert.equal(simContent.stats.disconnects, 3, 'three cuts were forced');
    assert.ok(simContent.stats.resumes >= 3, 'each cut resumed with Range');
    assert.equal(simContent.stats.restartsFromZero, 0);
    assert.equal(simContent.stats.bytesReceived, 4 * (movie.length + paper.length), 'no byte was fetched twice');
    const st = content.status();
    assert.equal(st.current?.catalogVersion, '2025-06');
    assert.equal(st.lastSync?.catalogVersion, '2025-06');
    assert.match(st.lastSync!.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/content\/v1\/catalog$/);
    // The library's entity follows at its own pace.
    for (let i = 0; i < 100 && tc.controller.ctx.entities.get('content:library')?.state !== 'ready'; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(tc.controller.ctx.entities.get('content:library')?.state, 'ready');
  });

  it('refuses unsigned requests, a wrong key, another seat’s key, a stale time and a unit not installed', async () => {
    const path = '/content/v1/catalog';
    const r0 = await fetch(`${tc.url}${path}`);
    assert.equal(r0.status, 401);
    assert.equal(((await r0.json()) as { error: { code: string } }).error.code, 'MISSING_SIGNATURE');
    const wrong = await signed(path, 'GP3-000001', deriveLruKey(Buffer.from('not the cabin secret'), 'GP3-000001'));
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'BAD_SIGNATURE');
    const other = await signed(path, 'GP3-000001', deriveLruKey(secret, 'GP3-000002'));
    assert.equal(other.status, 401, 'seat 1B’s key does not sign for 1A’s unit');
    const stale = await signed(path, 'GP3-000001', undefined, {}, Date.now() - 3_600_000);
    assert.equal(((await stale.json()) as { error: { code: string } }).error.code, 'STALE_REQUEST');
    const stranger = await signed(path, 'SPARE-1');
    assert.equal(stranger.status, 403);
    // A signature is for one path: replaying it on another is refused.
    const h = signContentRequest(deriveLruKey(secret, 'GP3-000001'), 'GP3-000001', 'GET', path, Date.now());
    const replay = await fetch(`${tc.url}/content/v1/files/movies/Heat%20(1995).mp4`, { headers: h });
    assert.equal(replay.status, 401);
    const ok = await signed(path);
    assert.equal(ok.status, 200);
  });

  it('serves Range (206), 416, If-Range and If-None-Match with strong ETags', async () => {
    const path = '/content/v1/files/movies/Heat%20(1995).mp4';
    const etag = `"${sha256(movie)}"`;
    const full = await signed(path);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('etag'), etag);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.deepEqual(Buffer.from(await full.arrayBuffer()), movie);
    const part = await signed(path, undefined, undefined, { range: 'bytes=1000-1999' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${movie.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), movie.subarray(1000, 2000));
    const tail = await signed(path, undefined, undefined, { range: 'bytes=-10' });
    assert.deepEqual(Buffer.from(await tail.arrayBuffer()), movie.subarray(movie.length - 10));
    const bad = await signed(path, undefined, undefined, { range: `bytes=${movie.length}-` });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${movie.length}`);
    await bad.arrayBuffer();
    const changed = await signed(path, undefined, undefined, { range: 'bytes=10-', 'if-range': '"0000"' });
    assert.equal(changed.status, 200, 'If-Range with another ETag: the whole file');
    await changed.body?.cancel();
    const same = await signed(path, undefined, undefined, { range: 'bytes=10-19', 'if-range': etag });
    assert.equal(same.status, 206);
    await same.arrayBuffer();
    const cached = await signed(path, undefined, undefined, { 'if-none-match': etag });
    assert.equal(cached.status, 304);
    const missing = await signed('/content/v1/files/movies/nope.mp4');
    assert.equal(missing.status, 404);
  });

  it('keeps a version while a seat still uses it, deletes it once none does', async () => {
    // Seat 1D is told nothing of 2025-07 (its datagrams and polls still bring the command): hold it on 2025-06 by stopping its sync.
    const drive = await packDrive('d2', { 'newspapers/Times 07-01.pdf': 'the July paper', 'movies/Heat (1995).mp4': movie }, '2025-07', '2025-07-01T08:00:00Z');
    const lagging = simContent.seat('1D')!;
    const realSync = lagging.sync.bind(lagging);
    lagging.sync = () => 'applied';
    await ingestDrive({ drive, publicKey: rawPublic, library: content.library, workers: root.workers });
    await until('three seats on 2025-07', () => tc.controller.ctx.registry.all().filter((s) => s.content?.version === '2025-07').length === 3);
    await content.collectGarbage();
    assert.ok(content.library.versions().some((v) => v.catalogVersion === '2025-06'), '2025-06 kept: 1D still plays from it');
    assert.ok(content.library.catalog('2025-06'), 'and still serves it');
    lagging.sync = realSync;
    lagging.sync({ catalogVersion: '2025-07', url: `${tc.url}/content/v1/catalog` });
    await until('1D on 2025-07', () => tc.controller.ctx.registry.get('1D')?.content?.version === '2025-07');
    await content.collectGarbage();
    assert.deepEqual(content.library.versions().map((v) => v.catalogVersion), ['2025-07']);
    assert.ok(simContent.stats.bytesReceived < 4 * (2 * movie.length), 'the movie (same bytes) was not fetched again for July');
  });

  it('answers any path, range and headers with a clear status, never a 500 (fast-check)', async () => {
    const serial = 'GP3-000001';
    const key = deriveLruKey(secret, serial);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', '..', '../../etc/passwd', 'movies/Heat (1995).mp4', '%2e%2e/x', 'a//b', '')),
        fc.oneof(fc.string(), fc.constantFrom('bytes=0-0', 'bytes=-0', 'bytes=5-1', 'bytes=0-1,4-5', 'bytes=99999999999-', 'items=0-1', 'bytes=')),
        fc.option(fc.constantFrom('__proto__', 'constructor', '2025-07', '..', 'a b'), { nil: undefined }),
        async (p, range, version) => {
          const path = `/content/v1/files/${encodeURI(p).replace(/[?#]/g, encodeURIComponent)}${version === undefined ? '' : `?version=${encodeURIComponent(version)}`}`;
          const headers: Record<string, string> = { ...signContentRequest(key, serial, 'GET', path, Date.now()) };
          if (/^[\x20-\x7e]*$/.test(range)) headers.range = range;
          const res = await fetch(`${tc.url}${path}`, { headers });
          await res.arrayBuffer();
          assert.ok([200, 206, 400, 401, 404, 416].includes(res.status), `${path} range=${range}: ${res.status}`);
        },
      ),
      { numRuns: 150 },
    );
  });
});
