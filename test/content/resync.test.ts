import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { commandsFeature } from '../../src/commands/feature.js';
import type { CommandService } from '../../src/commands/command-service.js';
import type { CabinEvent } from '../../src/contract/events.js';
import { contentFeature, type ContentService } from '../../src/content/feature.js';
import { ingestDrive } from '../../src/content/ingest.js';
import { pack } from '../../src/content/pack.js';
import { SimContent } from '../../src/sim/content/sim-content.js';
import { Simulator } from '../../src/sim/simulator.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { keyPair, sha256, tempRoot, writeTree } from './fixture.js';

/**
 * content.sync sent again to seats that lag, against a real controller and
 * simulated seats fetching over loopback. The publish's own content.sync
 * lives three seconds (commands.defaultTtlMs; long enough that the resend, which lives as long, is polled
 * in time on a loaded machine), so a seat away longer never gets
 * it from its poll answers: only the resend can bring it up to date.
 */
const secret = Buffer.from(TEST_SECRET, 'hex');
const keys = keyPair();
const rawPublic = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('base64');

interface Rig {
  root: Awaited<ReturnType<typeof tempRoot>>;
  tc: TestController;
  sim: Simulator;
  simContent: SimContent;
  content: ContentService;
  commands: CommandService;
  events: CabinEvent[];
}

async function rig(name: string, content: Record<string, unknown>, simOptions: { maxAttempts?: number } = {}): Promise<Rig> {
  const root = await tempRoot(name);
  const tc = await startTestController({ content: { enabled: false, publicKey: rawPublic, ...content }, commands: { catchUpPollMs: 100, defaultTtlMs: 3000 } }, [commandsFeature(), contentFeature()]);
  const events: CabinEvent[] = [];
  tc.controller.ctx.bus.events$.subscribe((e) => events.push(e));
  const sim = new Simulator({ controller: tc.url, secret, seats: 3, pollIntervalMs: 200 });
  const simContent = new SimContent(sim, { secret, dir: join(root.dir, 'seats'), ...simOptions });
  sim.start();
  const r = { root, tc, sim, simContent, content: tc.controller.ctx.need('content'), commands: tc.controller.ctx.need('commands'), events };
  await until(r, 'seats online', () => tc.controller.ctx.registry.onlineCount() === 3);
  return r;
}

async function stopRig(r: Rig | undefined): Promise<void> {
  r?.simContent.stop();
  await r?.sim.stop();
  await r?.tc.stop();
  await r?.root.cleanup();
}

async function until(r: Rig, what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; seats: ${JSON.stringify(r.tc.controller.ctx.registry.all().filter((s) => s.lru).map((s) => [s.seat, s.status, s.content]))}; resync: ${JSON.stringify(r.content.status().resync)}`);
    await sleep(50);
  }
}

async function publish(r: Rig, version: string, files: Record<string, Uint8Array | string>): Promise<number> {
  const drive = join(r.root.dir, version);
  await writeTree(drive, files);
  await pack(drive, keys.privateKey, { catalogVersion: version, createdAt: `2025-06-0${version.slice(-1)}T08:00:00Z`, workers: r.root.workers });
  await ingestDrive({ drive, publicKey: rawPublic, library: r.content.library, workers: r.root.workers });
  await until(r, 'the publish', () => r.content.status().lastSync?.catalogVersion === version);
  return r.content.status().lastSync!.seq!;
}

const report = (r: Rig, seat: string) => r.tc.controller.ctx.registry.get(seat)?.content;
const resent = (r: Rig) => r.events.filter((e): e is Extract<CabinEvent, { type: 'content.resynced' }> => e.type === 'content.resynced');

describe('a seat offline during a publish catches up when it comes back', () => {
  let r: Rig;
  const movie = randomBytes(512 * 1024 + 3);
  // A grace far longer than the test: only coming back online can have sent it again.
  before(async () => (r = await rig('resync-online', { resyncGraceMs: 600_000 })));
  after(() => stopRig(r));

  it('is sent content.sync again, alone, once back, and fetches the catalog', async () => {
    r.sim.seat('1A')!.goSilent(600_000);
    await until(r, '1A offline', () => r.tc.controller.ctx.registry.get('1A')?.status === 'offline');
    const seq = await publish(r, 'v1', { 'movies/Alien (1979).mp4': movie });
    await until(r, '1B and 1C on v1', () => ['1B', '1C'].every((s) => report(r, s)?.version === 'v1'));
    await until(r, 'the publish’s content.sync expired', () => r.commands.status(seq)?.state === 'expired');
    assert.notEqual(report(r, '1A')?.version, 'v1');
    assert.deepEqual(resent(r), [], 'nobody lagged while it was away');

    r.sim.seat('1A')!.goSilent(0);
    await until(r, '1A on v1', () => report(r, '1A')?.state === 'ready' && report(r, '1A')?.version === 'v1');
    assert.deepEqual(await readFile(join(r.root.dir, 'seats', '1A', 'objects', sha256(movie))), movie, '1A holds the movie');
    const again = resent(r);
    assert.equal(again.length, 1, 'sent once');
    assert.deepEqual(again[0]!.seats, ['1A'], 'to that seat only');
    const st = r.commands.status(again[0]!.commandSeq)!;
    assert.deepEqual(st.target, { seats: ['1A'] });
    assert.equal(st.issuer, 'content:resync');
    assert.deepEqual(st.args, { catalogVersion: 'v1', url: r.content.status().lastSync!.url });
    assert.equal(r.content.status().resync.seats, 1);
  });
});

describe('a seat whose sync failed is sent content.sync again after the grace', () => {
  let r: Rig;
  const paper = randomBytes(256 * 1024);
  // Two attempts a request: five forced cuts make 1C's first sync fail.
  before(async () => (r = await rig('resync-grace', { resyncGraceMs: 1500, resyncSeatIntervalMs: 1000 }, { maxAttempts: 2 })));
  after(() => stopRig(r));

  it('reports failed, then catches up, with no resend to the seats that were fine', async () => {
    r.simContent.forceDisconnects('1C', 5);
    await publish(r, 'v2', { 'newspapers/Times.pdf': paper });
    await until(r, '1C failed', () => report(r, '1C')?.state === 'failed');
    await until(r, '1C on v2', () => report(r, '1C')?.state === 'ready' && report(r, '1C')?.version === 'v2');
    assert.ok(['1A', '1B'].every((s) => report(r, s)?.version === 'v2'));
    const again = resent(r);
    assert.equal(again.length, 1, `one resend: ${JSON.stringify(again)}`);
    assert.deepEqual(again[0]!.seats, ['1C']);
    assert.equal((await readFile(join(r.root.dir, 'seats', '1C', 'objects', sha256(paper)))).length, paper.length);
  });
});
