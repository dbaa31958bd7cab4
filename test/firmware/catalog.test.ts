import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { FirmwareTable } from '../../firmware/catalog-table.js';
import { FirmwareError, type FirmwareErrorCode } from '../../firmware/errors.js';
import { HashPool } from '../../firmware/hash-pool.js';
import { FirmwareKeys } from '../../firmware/keys.js';
import { parseManifestJson, serializeManifest, signedMessage } from '../../firmware/manifest.js';
import { fixture, type Fixture } from './fixture.js';

let pool: HashPool;
let keysDir: string;
/** The airline's release key, held off the aircraft; and someone else's. */
let release: FirmwareKeys;
let impostor: FirmwareKeys;
const fixtures: Fixture[] = [];
before(async () => {
  pool = new HashPool({ maxThreads: 1 });
  keysDir = await mkdtemp(join(tmpdir(), 'purser-release-'));
  release = await FirmwareKeys.loadOrCreateSigningKey(join(keysDir, 'release'));
  impostor = await FirmwareKeys.loadOrCreateSigningKey(join(keysDir, 'impostor'));
});
after(async () => {
  await Promise.all(fixtures.map((f) => f.close()));
  await pool.close();
  await rm(keysDir, { recursive: true, force: true });
});

async function setup(keys?: FirmwareKeys): Promise<Fixture> {
  const f = await fixture(pool, keys);
  fixtures.push(f);
  return f;
}

const refused = (code: FirmwareErrorCode) => (err: unknown) => err instanceof FirmwareError && err.code === code;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** A signature as the airline's release tooling would make it. */
const releaseSign = (model: string, version: string, bytes: Buffer): string =>
  release.sign(signedMessage({ model, version, size: bytes.length, sha256: sha256(bytes) }));
/** Everything under the root, as a sorted list of relative paths. */
async function tree(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).sort();
}

test('an imported image is signed, published with its manifest, and served', async () => {
  const f = await setup();
  const bytes = randomBytes(12 << 20);
  const progress: number[] = [];
  const record = await f.catalog.import(await f.source('usb.img', bytes), {
    model: 'gp3',
    version: '2.5.0',
    onProgress: (done) => progress.push(done),
  });
  assert.equal(record.state, 'ready');
  assert.equal(record.size, bytes.length);
  assert.equal(record.sha256, sha256(bytes));
  assert.equal(record.keyId, f.keys.keyId);
  assert.equal(progress.at(-1), bytes.length);

  // A seat holds only the public key and checks the fields the firmware.update command carries.
  const seat = FirmwareKeys.fromPublicKey(f.keys.publicKeyRaw);
  assert.ok(seat.verify(signedMessage(record), record.signature));

  const served = f.catalog.resolveForServing('firmware/gp3/2.5.0.img');
  assert.equal(served, join(f.root, 'firmware/gp3/2.5.0.img'));
  assert.ok((await readFile(served)).equals(bytes));
  const { state, importedAt, ...manifest } = record;
  assert.deepEqual(parseManifestJson(await readFile(join(f.root, 'firmware/gp3/2.5.0.json'), 'utf8')), manifest);
  assert.deepEqual(f.catalog.list(), [record]);
  assert.deepEqual(f.catalog.get('gp3', '2.5.0'), record);
  assert.deepEqual(await tree(f.root), ['firmware', 'firmware/gp3', 'firmware/gp3/2.5.0.img', 'firmware/gp3/2.5.0.json']);
});

test('with only the public key, a release signed elsewhere imports; forged or replayed signatures leave nothing behind', async () => {
  const f = await setup(FirmwareKeys.fromPublicKey(release.publicKeyRaw));
  const bytes = randomBytes(4096);
  const src = await f.source('gp3-2.6.0.img', bytes);

  await assert.rejects(f.catalog.import(src, { model: 'gp3', version: '2.6.0' }), refused('unsigned'));
  await assert.rejects(f.catalog.import(src, { model: 'gp3', version: '2.6.0', signature: 'c2lnbmVk' }), refused('invalid'));
  const forged = impostor.sign(signedMessage({ model: 'gp3', version: '2.6.0', size: bytes.length, sha256: sha256(bytes) }));
  await assert.rejects(f.catalog.import(src, { model: 'gp3', version: '2.6.0', signature: forged }), refused('bad-signature'));
  // A genuine signature, but for another version of the same bytes: not transferable.
  const replayed = releaseSign('gp3', '2.5.9', bytes);
  await assert.rejects(f.catalog.import(src, { model: 'gp3', version: '2.6.0', signature: replayed }), refused('bad-signature'));
  assert.equal(f.catalog.isServable('gp3', '2.6.0'), false);
  assert.deepEqual(await tree(join(f.root, 'firmware')), ['gp3'], 'no image, manifest or temp file left');

  const record = await f.catalog.import(src, { model: 'gp3', version: '2.6.0', signature: releaseSign('gp3', '2.6.0', bytes) });
  assert.equal(record.state, 'ready');
  assert.ok(f.catalog.isServable('gp3', '2.6.0'));
});

test('a signature shipped beside the image is found: <image>.sig, or a manifest from another Purser root', async () => {
  const f = await setup(FirmwareKeys.fromPublicKey(release.publicKeyRaw));
  const a = randomBytes(1000);
  const srcA = await f.source('a.img', a);
  await writeFile(`${srcA}.sig`, `${releaseSign('gp3', '3.0', a)}\n`);
  assert.equal((await f.catalog.import(srcA, { model: 'gp3', version: '3.0' })).state, 'ready');

  const b = randomBytes(1000);
  const srcB = await f.source('3.1.img', b);
  const manifest = { model: 'gp3', version: '3.1', size: b.length, sha256: sha256(b), signature: releaseSign('gp3', '3.1', b), signedAt: 1 };
  await writeFile(join(srcB, '..', '3.1.json'), serializeManifest(manifest));
  assert.equal((await f.catalog.import(srcB, { model: 'gp3', version: '3.1' })).signedAt, 1);
  await assert.rejects(f.catalog.import(srcB, { model: 'gp4', version: '3.1' }), /is for gp3 3\.1, not gp4 3\.1/);
});

test('an empty file is refused as an image and leaves nothing in the catalog or on disk', async () => {
  const f = await setup();
  await assert.rejects(f.catalog.import(await f.source('empty.img', Buffer.alloc(0)), { model: 'gp3', version: '2.5.0' }), refused('invalid'));
  assert.deepEqual(f.catalog.list(), []);
  assert.equal(f.catalog.resolveForServing('firmware/gp3/2.5.0.img'), null);
  assert.deepEqual((await tree(f.root)).filter((p) => p.includes('2.5.0')), []);
});

test('the same version twice: identical bytes are a no-op, other bytes are refused and the served image is untouched', async () => {
  const f = await setup();
  const bytes = randomBytes(5000);
  const first = await f.catalog.import(await f.source('one.img', bytes), { model: 'gp3', version: '2.5.0' });
  const again = await f.catalog.import(await f.source('copy.img', Buffer.from(bytes)), { model: 'gp3', version: '2.5.0' });
  assert.deepEqual(again, first);

  const other = Buffer.from(bytes);
  other[0]! ^= 1;
  await assert.rejects(f.catalog.import(await f.source('other.img', other), { model: 'gp3', version: '2.5.0' }), refused('conflict'));
  assert.ok((await readFile(f.catalog.resolveForServing('firmware/gp3/2.5.0.img')!)).equals(bytes));
  assert.deepEqual(f.catalog.list(), [first]);
  assert.deepEqual(await tree(join(f.root, 'firmware/gp3')), ['2.5.0.img', '2.5.0.json']);
});

test('after a power cut mid-import, startup deletes the temp file and quarantines whatever is only half there', async () => {
  const f = await setup();
  const good = await f.catalog.import(await f.source('good.img', randomBytes(3000)), { model: 'gp3', version: '1.0' });
  const dir = join(f.root, 'firmware/gp3');
  // Cut while copying: a partial temp file, and (as if written ahead) a row pointing at no image.
  await writeFile(join(dir, '.2.0.img.tmp-0123456789ab'), randomBytes(100));
  new FirmwareTable(f.db).putReady({ ...good, version: '2.0' }, 0);
  // Cut after the rename, before the commit: a complete image and manifest, no row.
  await writeFile(join(dir, '3.0.img'), randomBytes(3000));
  await writeFile(join(dir, '3.0.json'), '{}');

  const catalog = f.restart();
  const plan = await catalog.startupCheck();
  assert.deepEqual(plan.removeTemp, ['gp3/.2.0.img.tmp-0123456789ab']);
  assert.deepEqual(await tree(dir), ['1.0.img', '1.0.json']);
  assert.deepEqual(
    catalog.list().map((r) => [r.version, r.state, r.reason]),
    [
      ['1.0', 'ready', undefined],
      ['2.0', 'quarantined', 'image file missing'],
    ],
  );
  assert.equal(catalog.resolveForServing('firmware/gp3/2.0.img'), null);
  assert.equal(catalog.resolveForServing('firmware/gp3/3.0.img'), null);
  const quarantined = await readdir(join(f.root, 'quarantine/gp3'));
  assert.deepEqual(quarantined.map((n) => n.replace(/\.[^.]+$/, '')).sort(), ['3.0.img', '3.0.json']);
  assert.deepEqual(catalog.get('gp3', '1.0'), good, 'the complete import is untouched');
});

test('startup quarantines a row whose image is gone or truncated, and restores a deleted manifest', async () => {
  const f = await setup();
  const src = await f.source('x.img', randomBytes(3000));
  await f.catalog.import(src, { model: 'gp3', version: 'gone' });
  await f.catalog.import(src, { model: 'gp3', version: 'short' });
  await f.catalog.import(src, { model: 'gp3', version: 'fine' });
  await rm(join(f.root, 'firmware/gp3/gone.img'));
  await truncate(join(f.root, 'firmware/gp3/short.img'), 1500);
  await rm(join(f.root, 'firmware/gp3/fine.json'));

  const catalog = f.restart();
  await catalog.startupCheck();
  assert.deepEqual(
    catalog.list().map((r) => [r.version, r.state, r.reason]),
    [
      ['fine', 'ready', undefined],
      ['gone', 'quarantined', 'image file missing'],
      ['short', 'quarantined', 'size on disk 1500 bytes, catalog says 3000'],
    ],
  );
  assert.equal(catalog.resolveForServing('firmware/gp3/short.img'), null);
  assert.deepEqual(await tree(join(f.root, 'firmware/gp3')), ['fine.img', 'fine.json']);
});

test('a flipped byte on disk: verifyAll quarantines the image, it is no longer served, and a clean re-import restores it', async () => {
  const f = await setup();
  const bytes = randomBytes(2 << 20);
  const src = await f.source('a.img', bytes);
  await f.catalog.import(src, { model: 'gp3', version: '2.5.0' });
  await f.catalog.import(await f.source('b.img', randomBytes(1000)), { model: 'gp3', version: '2.5.1' });
  const fh = await open(join(f.root, 'firmware/gp3/2.5.0.img'), 'r+');
  await fh.write(Buffer.from([bytes[123_456]! ^ 0x10]), 0, 1, 123_456);
  await fh.close();

  const report = await f.catalog.verifyAll();
  assert.equal(report.checked, 2);
  assert.deepEqual(report.quarantined.map((q) => q.version), ['2.5.0']);
  assert.match(report.quarantined[0]!.reason, /^sha256 on disk [0-9a-f]{64}, catalog says [0-9a-f]{64}$/);
  assert.equal(f.catalog.isServable('gp3', '2.5.0'), false);
  assert.equal(f.catalog.resolveForServing('firmware/gp3/2.5.0.img'), null);
  assert.ok(f.catalog.isServable('gp3', '2.5.1'));
  assert.deepEqual(await tree(join(f.root, 'firmware/gp3')), ['2.5.1.img', '2.5.1.json']);

  const restored = await f.catalog.import(src, { model: 'gp3', version: '2.5.0' });
  assert.equal(restored.state, 'ready');
  assert.ok((await readFile(f.catalog.resolveForServing('firmware/gp3/2.5.0.img')!)).equals(bytes));
});

test('after a restart an image is served only once this process has hashed it: a damaged one never, a sound one after verifyAll', async () => {
  const f = await setup();
  const bytes = randomBytes(1 << 20);
  await f.catalog.import(await f.source('a.img', bytes), { model: 'gp3', version: '3.0' });
  const sound = randomBytes(5000);
  await f.catalog.import(await f.source('b.img', sound), { model: 'gp3', version: '3.1' });
  assert.ok(f.catalog.resolveForServing('firmware/gp3/3.0.img'), 'hashed by its import: served at once');
  // The cut's damage: same size, so the start-up check (names and sizes) passes it.
  const fh = await open(join(f.root, 'firmware/gp3/3.0.img'), 'r+');
  await fh.write(Buffer.from([bytes[4242]! ^ 0x01]), 0, 1, 4242);
  await fh.close();

  const catalog = f.restart();
  await catalog.startupCheck();
  assert.ok(catalog.isServable('gp3', '3.0'), 'its row is still ready: only a hash can tell');
  assert.equal(catalog.resolveForServing('firmware/gp3/3.0.img'), null, 'not served before the background check hashed it');
  assert.equal(catalog.resolveForServing('firmware/gp3/3.1.json'), null);
  const report = await catalog.verifyAll();
  assert.deepEqual(report.quarantined.map((q) => q.version), ['3.0']);
  assert.equal(catalog.resolveForServing('firmware/gp3/3.0.img'), null);
  assert.ok((await readFile(catalog.resolveForServing('firmware/gp3/3.1.img')!)).equals(sound));
});

test('verifyAll quarantines images the current firmware key does not vouch for', async () => {
  const f = await setup();
  await f.catalog.import(await f.source('a.img', randomBytes(1000)), { model: 'gp3', version: '1.0' });
  const rekeyed = f.restart(FirmwareKeys.fromPublicKey(release.publicKeyRaw));
  const report = await rekeyed.verifyAll();
  assert.match(report.quarantined[0]?.reason ?? '', new RegExp(`^signature does not verify with firmware key ${release.keyId}$`));
  assert.equal(rekeyed.isServable('gp3', '1.0'), false);
});

test('path-hostile model and version names are refused, and only ready images resolve for serving', async () => {
  const f = await setup();
  const src = await f.source('x.img', randomBytes(100));
  for (const [model, version] of [['../etc', '1'], ['gp3', '../../passwd'], ['gp3', '..'], ['a/b', '1'], ['GP3', '1'], ['gp3', '']]) {
    await assert.rejects(f.catalog.import(src, { model: model!, version: version! }), refused('invalid'), `${model} ${version}`);
  }
  assert.deepEqual(await tree(f.root).catch(() => []), [], 'nothing was written');

  await f.catalog.import(src, { model: 'gp3', version: '1.0' });
  assert.ok(f.catalog.resolveForServing('/firmware/gp3/1.0.img'));
  assert.ok(f.catalog.resolveForServing('firmware/gp3/1.0.json'));
  for (const path of ['firmware/gp3/1.0.img/../1.0.img', 'firmware/gp3/../gp3/1.0.img', 'firmware/gp3/1.0', 'gp3/1.0.img', 'firmware/gp3/2.0.img', 'quarantine/gp3/1.0.img', 'firmware/gp3/.1.0.img.tmp-000000000000']) {
    assert.equal(f.catalog.resolveForServing(path), null, path);
  }
});

test('a 64 MiB import leaves the event loop responsive: copying and hashing run in a worker', async () => {
  const f = await setup();
  await f.catalog.import(await f.source('warm.img', randomBytes(1000)), { model: 'gp3', version: 'warm' });
  const bytes = Buffer.alloc(64 << 20, 0x5a);
  const src = await f.source('big.img', bytes);
  const start = performance.now();
  const digest = sha256(bytes);
  const hashOnLoopMs = performance.now() - start;

  const delay = monitorEventLoopDelay({ resolution: 10 });
  const before = performance.eventLoopUtilization();
  delay.enable();
  const record = await f.catalog.import(src, { model: 'gp3', version: 'big' });
  delay.disable();
  const loop = performance.eventLoopUtilization(before);

  assert.equal(record.sha256, digest);
  // Samples include the 10 ms resolution itself; the bound is loose because the test machine is shared.
  assert.ok(delay.percentile(99) / 1e6 < 100, `event-loop delay p99 ${delay.percentile(99) / 1e6} ms`);
  // Had the hash run on the loop, the loop would have been busy at least as long as hashing alone takes.
  assert.ok(loop.active < hashOnLoopMs, `loop busy ${loop.active} ms; hashing on the loop takes ${hashOnLoopMs} ms`);
});
