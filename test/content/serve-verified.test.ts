import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { commandsFeature } from '../../src/commands/feature.js';
import { contentFeature, type ContentService } from '../../src/content/feature.js';
import { ingestDrive } from '../../src/content/ingest.js';
import { pack } from '../../src/content/pack.js';
import { signContentRequest } from '../../src/content/seat-auth.js';
import { deriveLruKey } from '../../protocols/seat-poll/hmac.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { keyPair, sha256, tempRoot, writeTree } from './fixture.js';

/**
 * After a restart the library re-hashes every object in the background (a
 * power cut may have damaged one); until an object is re-hashed, a seat that
 * asks for it gets it only once it is verified: never bytes that fail their
 * SHA-256. A real controller restarted on the same state directory.
 */
const secret = Buffer.from(TEST_SECRET, 'hex');
const keys = keyPair();
const rawPublic = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64');
const SERIAL = 'GP3-000001';
const key = deriveLruKey(secret, SERIAL);
// Enough bytes that the background re-hash (one object at a time) is still busy when the seats ask.
const damaged = Array.from({ length: 40 }, (_, i) => [`movies/m${String(i).padStart(2, '0')}.mp4`, randomBytes(2 * 1024 * 1024 + i)] as const);
const good = randomBytes(1024 * 1024 + 7);

describe('only verified content is served while the library is re-hashed after a start', { timeout: 120_000 }, () => {
  let root: Awaited<ReturnType<typeof tempRoot>>;
  let stateDir: string;
  let tc: TestController | undefined;
  const start = (verifyWaitMs?: number) =>
    startTestController({ content: { enabled: false, publicKey: rawPublic } }, [commandsFeature(), contentFeature(verifyWaitMs === undefined ? {} : { verifyWaitMs })], stateDir);
  const get = (path: string) => fetch(`${tc!.url}${path}`, { headers: signContentRequest(key, SERIAL, 'GET', path, Date.now()) });

  before(async () => {
    root = await tempRoot('verified');
    stateDir = await mkdtemp(join(tmpdir(), 'purser-verified-state-'));
    tc = await start();
    // A seat polls once, so its unit is installed (and remembered across the restart).
    const sim = new Simulator({ controller: tc.url, secret, seats: 1, pollIntervalMs: 100 });
    sim.start();
    for (let i = 0; i < 100 && tc.controller.ctx.registry.onlineCount() < 1; i++) await sleep(50);
    await sim.stop();
    const drive = join(root.dir, 'drive');
    await writeTree(drive, { ...Object.fromEntries(damaged), 'papers/good.pdf': good });
    await pack(drive, keys.privateKey, { catalogVersion: '2026-12', createdAt: '2026-12-01T08:00:00Z', workers: root.workers });
    const content: ContentService = tc.controller.ctx.need('content');
    await ingestDrive({ drive, publicKey: rawPublic, library: content.library, workers: root.workers });
    const objectOf = (b: Uint8Array) => content.library.objectPath(sha256(b));
    await tc.stop({ keepState: true });
    tc = undefined;
    // The power cut's damage: one byte of every movie changed on disk, the paper left whole.
    for (const [, bytes] of damaged) {
      const fh = await open(objectOf(bytes), 'r+');
      await fh.write(Buffer.from([bytes[1000]! ^ 0xff]), 0, 1, 1000);
      await fh.close();
    }
  });
  after(async () => {
    await tc?.stop({ keepState: true });
    await root?.cleanup();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('right after the start: every damaged file is refused (404), never served; the whole one is served verified', async () => {
    tc = await start();
    const content: ContentService = tc.controller.ctx.need('content');
    assert.equal(content.library.objectState(sha256(damaged.at(-1)![1])), 'unchecked', 'asked before the re-hash reached it');
    const answers = await Promise.all(
      damaged.map(async ([path, bytes]) => {
        const r = await get(`/content/v1/files/${path}`);
        const body = Buffer.from(await r.arrayBuffer());
        return { path, status: r.status, servedDamaged: r.status === 200 && sha256(body) !== sha256(bytes), code: r.status === 200 ? undefined : (JSON.parse(body.toString()) as { error: { code: string } }).error.code };
      }),
    );
    assert.deepEqual(answers.filter((a) => a.servedDamaged).map((a) => a.path), [], 'no damaged bytes left the controller');
    assert.deepEqual([...new Set(answers.map((a) => `${a.status} ${a.code}`))], ['404 NO_SUCH_FILE']);
    const r = await get('/content/v1/files/papers/good.pdf');
    assert.equal(r.status, 200);
    assert.equal(sha256(Buffer.from(await r.arrayBuffer())), sha256(good));
    const report = await content.library.rehashed;
    assert.equal(report.removed.length, damaged.length, 'the report names every damaged object, removed by the re-hash or ahead of it');
    assert.equal(report.checked, damaged.length + 1);
    assert.deepEqual(report.incompleteVersions, ['2026-12']);
  });

  it('a file whose check takes longer than the wait answers 503 VERIFYING with Retry-After, then the verified bytes', async () => {
    await tc?.stop({ keepState: true });
    tc = await start(0);
    const first = await get('/content/v1/files/papers/good.pdf');
    assert.equal(first.status, 503);
    assert.equal(first.headers.get('retry-after'), '2');
    assert.equal(((await first.json()) as { error: { code: string } }).error.code, 'VERIFYING');
    let r = first;
    for (let i = 0; i < 100 && r.status === 503; i++) {
      await sleep(50);
      r = await get('/content/v1/files/papers/good.pdf');
    }
    assert.equal(r.status, 200);
    assert.equal(sha256(Buffer.from(await r.arrayBuffer())), sha256(good));
  });
});
