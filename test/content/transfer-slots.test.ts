import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
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
import { TransferSlots } from '../../src/content/transfer-slots.js';
import { deriveLruKey } from '../../protocols/seat-poll/hmac.js';
import { SimContent } from '../../src/sim/content/sim-content.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { keyPair, sha256, tempRoot, writeTree } from './fixture.js';

describe('transfer slots', () => {
  it('grants in arrival order, gives up at the deadline, and a double release frees one slot', async () => {
    const slots = new TransferSlots(1);
    const first = (await slots.acquire(10))!;
    const order: string[] = [];
    const b = slots.acquire(1000).then((r) => (order.push('b'), r));
    const c = slots.acquire(1000).then((r) => (order.push('c'), r));
    const late = await slots.acquire(20);
    assert.equal(late, undefined, 'a request that waits past its deadline gets no slot');
    assert.equal(slots.timedOut, 1, 'and is counted');
    assert.equal(slots.queued, 2, 'and leaves the queue');
    first();
    first();
    const rb = await b;
    assert.equal(slots.active, 1, 'releasing twice did not free a second slot');
    rb!();
    (await c)!();
    assert.deepEqual(order, ['b', 'c']);
    assert.equal(slots.active, 0);
  });

  it('never has more than max active, whatever the order of takes, releases and timeouts (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(fc.oneof(fc.constant('take' as const), fc.constant('release' as const), fc.constant('tick' as const)), { maxLength: 40 }), async (max, ops) => {
        const slots = new TransferSlots(max);
        const held: (() => void)[] = [];
        for (const op of ops) {
          if (op === 'take') void slots.acquire(5).then((r) => r && held.push(r));
          else if (op === 'release') held.shift()?.();
          else await sleep(1);
          assert.ok(slots.active <= max);
        }
        await sleep(10);
        for (const r of held.splice(0)) r();
        assert.equal(slots.active, 0, 'every slot comes back');
        assert.equal(slots.queued, 0);
      }),
      { numRuns: 40 },
    );
  });
});

const secret = Buffer.from(TEST_SECRET, 'hex');
const keys = keyPair();
const rawPublic = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64');

describe('content transfers to seats, one at a time', () => {
  let root: Awaited<ReturnType<typeof tempRoot>>;
  let tc: TestController;
  let content: ContentService;
  const big = randomBytes(24 * 1024 * 1024 + 5);
  const path = '/content/v1/files/movies/Big.mp4';

  const get = (serial: string): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const u = new URL(tc.url);
      const req = request({ host: u.hostname, port: u.port, path, headers: signContentRequest(deriveLruKey(secret, serial), serial, 'GET', path, Date.now()) }, resolve);
      req.once('error', reject);
      req.end();
    });
  const body = async (res: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const transfers = async () => (await content.status()).transfers;

  before(async () => {
    root = await tempRoot('slots');
    tc = await startTestController({ content: { enabled: false, publicKey: rawPublic, maxTransfers: 1 }, commands: { catchUpPollMs: 100 } }, [commandsFeature(), contentFeature()]);
    content = tc.controller.ctx.need('content');
    const drive = join(root.dir, 'drive');
    await writeTree(drive, { 'movies/Big.mp4': big, 'newspapers/Today.pdf': 'the paper' });
    await pack(drive, keys.privateKey, { catalogVersion: '2026-12', createdAt: '2026-12-01T08:00:00Z', workers: root.workers });
    // Seats, so that their units are installed (content is only for units at a seat); their syncs are not this test's.
    const sim = new Simulator({ controller: tc.url, secret, seats: 2, pollIntervalMs: 200 });
    sim.start();
    while (tc.controller.ctx.registry.onlineCount() < 2) await sleep(50);
    await sim.stop();
    await ingestDrive({ drive, publicKey: rawPublic, library: content.library, workers: root.workers });
  });
  after(async () => {
    await tc?.stop();
    await root?.cleanup();
  });

  it('a second file request waits for the slot, then is told 503 BUSY with Retry-After; a seat gone mid-body frees it', async () => {
    const [s1, s2] = tc.controller.ctx.registry.all().filter((s) => s.lru).map((s) => s.lru!.serial);
    const slow = await get(s1!);
    assert.equal(slow.statusCode, 200);
    slow.pause(); // a seat that reads nothing: the socket fills and the slot stays taken
    await sleep(200);
    assert.deepEqual(await transfers(), { active: 1, queued: 0, max: 1, busy: 0 });
    const t0 = Date.now();
    const refused = await get(s2!);
    const waited = Date.now() - t0;
    const text = (await body(refused)).toString();
    assert.equal(refused.statusCode, 503);
    assert.equal(JSON.parse(text).error.code, 'BUSY');
    assert.match(String(refused.headers['retry-after']), /^[1-3]$/);
    assert.equal(refused.headers.etag, undefined, 'a refusal carries no ETag of the file');
    assert.ok(waited >= 1900, `it waited for a slot first (${waited} ms)`);
    assert.equal((await transfers()).busy, 1);

    // One seat waiting while the slot is taken is served when the slot comes free: the slow seat goes away.
    const waiting = get(s2!);
    await sleep(100);
    assert.equal((await transfers()).queued, 1);
    slow.destroy();
    const served = await waiting;
    assert.equal(served.statusCode, 200);
    assert.ok((await body(served)).equals(big), 'the whole file, byte for byte');
    await sleep(50);
    assert.deepEqual(await transfers(), { active: 0, queued: 0, max: 1, busy: 1 });
  });

  it('simulated seats told BUSY come back after Retry-After and all get every file, verified', async () => {
    // The slot is taken by a seat that reads nothing for 3 s: the simulated seats' first tries are told BUSY.
    const [s1] = tc.controller.ctx.registry.all().filter((s) => s.lru).map((s) => s.lru!.serial);
    const hog = await get(s1!);
    hog.pause();
    const busyBefore = (await transfers()).busy;
    setTimeout(() => hog.destroy(), 3000);
    const sim = new Simulator({ controller: tc.url, secret, seats: 2, pollIntervalMs: 200 });
    const seatsDir = join(root.dir, 'seats');
    const simContent = new SimContent(sim, { secret, dir: seatsDir });
    sim.start();
    try {
      const deadline = Date.now() + 60_000;
      const ready = () => tc.controller.ctx.registry.all().filter((s) => s.content?.state === 'ready' && s.content.version === '2026-12').length;
      while (ready() < 2 && Date.now() < deadline) await sleep(100);
      assert.equal(ready(), 2, `both seats ready: ${JSON.stringify(simContent.stats)}`);
      for (const seat of ['1A', '1B']) assert.ok((await readFile(join(seatsDir, seat, 'objects', sha256(big)))).equals(big), `${seat} holds the movie`);
      assert.ok((await transfers()).busy > busyBefore, 'the seats were told BUSY at least once');
      assert.equal(simContent.stats.failures, 0, 'a BUSY is not a failed sync');
      assert.equal(simContent.stats.corrupt, 0);
    } finally {
      simContent.stop();
      await sim.stop();
    }
  });
});
