import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ContentError } from '../../src/content/errors.js';
import { ingestDrive } from '../../src/content/ingest.js';
import type { ContentCatalog } from '../../src/content/library.js';
import { pack } from '../../src/content/pack.js';
import { assertLibrarySound, keyPair, openLibrary, sha256, tempRoot, writeTree } from './fixture.js';

let root: Awaited<ReturnType<typeof tempRoot>>;
const keys = keyPair();
before(async () => {
  root = await tempRoot('library');
});
after(() => root.cleanup());

async function drive(name: string, files: Record<string, string>, catalogVersion: string, createdAt: string): Promise<string> {
  const dir = join(root.dir, name);
  await writeTree(dir, files);
  await pack(dir, keys.privateKey, { catalogVersion, createdAt, workers: root.workers, lang: 'en' });
  return dir;
}

test('GC keeps every version seats still use and the objects they need, and deletes the rest', async () => {
  const libDir = join(root.dir, 'gc-lib');
  const library = await openLibrary(libDir, root.workers);
  const seen: (string | undefined)[] = [];
  library.current$.subscribe((c) => seen.push(c?.catalogVersion));
  const ingestOne = async (d: string) => ingestDrive({ drive: d, publicKey: keys.publicKey, library, workers: root.workers });
  await ingestOne(await drive('may', { 'movie.mp4': 'shared movie', 'news.pdf': 'may news' }, 'may', '2025-05-01T00:00:00Z'));
  await ingestOne(await drive('jun', { 'movie.mp4': 'shared movie', 'news.pdf': 'june news', 'game.bin': 'june game' }, 'jun', '2025-06-01T00:00:00Z'));
  await ingestOne(await drive('jul', { 'movie.mp4': 'shared movie', 'news.pdf': 'july news' }, 'jul', '2025-07-01T00:00:00Z'));
  assert.deepEqual(seen, [undefined, 'may', 'jun', 'jul'], 'current$ emits each switch');
  assert.deepEqual(library.versions().map((v) => [v.catalogVersion, v.complete, v.current]), [['may', true, false], ['jun', true, false], ['jul', true, true]]);

  // Some seats are still on June: June stays, May goes; the shared movie stays, May's newspaper goes.
  const report = await library.gc(['jun', 'unknown-version']);
  assert.deepEqual(report.versionsRemoved, ['may']);
  assert.equal(report.objectsRemoved, 1);
  assert.equal(report.bytesFreed, 'may news'.length);
  assert.deepEqual((await readdir(join(libDir, 'versions'))).sort(), ['jul.json', 'jun.json']);
  assert.equal(library.open('game.bin', 'jun')?.size, 'june game'.length);
  assert.equal(library.open('news.pdf', 'may'), undefined);

  // No seat on June any more: everything but July goes; current is never collected.
  const second = await library.gc([]);
  assert.deepEqual(second.versionsRemoved, ['jun']);
  assert.equal(second.objectsRemoved, 2);
  const objects = (await readdir(join(libDir, 'objects'))).sort();
  assert.deepEqual(objects, [sha256(Buffer.from('july news')), sha256(Buffer.from('shared movie'))].sort());
  assert.equal(library.catalog()!.catalogVersion, 'jul');
  await assertLibrarySound(libDir);

  // After a restart the library reads back the same state.
  const again = await openLibrary(libDir, root.workers);
  assert.equal(again.currentVersion, 'jul');
  assert.deepEqual(again.catalog(), library.catalog());
  assert.equal((await again.rehashed).checked, 2);
});

test('startup check: temp and stray files removed, a damaged object found by the re-hash, removed and repaired by re-insertion', async () => {
  const libDir = join(root.dir, 'check-lib');
  const d = await drive('check', { 'a.mp4': 'alpha', 'b.mp4': 'bravo', 'posters/a.jpg': 'jpeg' }, 'c1', '2025-06-01T00:00:00Z');
  const first = await openLibrary(libDir, root.workers);
  await ingestDrive({ drive: d, publicKey: keys.publicKey, library: first, workers: root.workers });
  assert.equal(first.startup.objects, 0);

  // What a power cut and a bad disk sector could leave.
  const bravo = sha256(Buffer.from('bravo'));
  await writeFile(join(libDir, 'objects', `.${'f'.repeat(64)}.tmp-0123456789ab`), 'half a file');
  await writeFile(join(libDir, 'versions', '.c2.json.tmp-0123456789ab'), '{"format":');
  await writeFile(join(libDir, 'objects', 'not-an-object'), 'junk');
  await writeFile(join(libDir, 'versions', 'broken.json'), '{"format":1}');
  await writeFile(join(libDir, 'objects', bravo), 'brav0');

  const library = await openLibrary(libDir, root.workers);
  const s = library.startup;
  assert.equal(s.tempFilesRemoved.length, 2);
  assert.deepEqual(s.strayFilesRemoved, [join(libDir, 'objects', 'not-an-object')]);
  assert.deepEqual(s.badVersionsRemoved.map((b) => b.file), [join(libDir, 'versions', 'broken.json')]);
  assert.match(s.badVersionsRemoved[0]!.reason, /catalogVersion/);
  assert.equal(s.objects, 3);
  assert.equal(s.current, 'c1');
  assert.equal(library.objectState(bravo), 'unchecked');
  const changed: ContentCatalog[] = [];
  library.current$.subscribe((c) => c && changed.push(c));

  const rehash = await library.rehashed;
  assert.equal(rehash.checked, 3);
  assert.deepEqual(rehash.removed, [{ sha256: bravo, reason: 'its bytes no longer match its SHA-256' }]);
  assert.deepEqual(rehash.incompleteVersions, ['c1']);
  assert.equal(library.objectState(bravo), 'absent');
  assert.equal(library.open('b.mp4'), undefined, 'a damaged file is never served');
  assert.deepEqual(library.catalog()!.files.map((f) => f.path), ['a.mp4', 'posters/a.jpg']);
  assert.deepEqual(changed.at(-1)!.files.map((f) => f.path), ['a.mp4', 'posters/a.jpg'], 'seats are told');
  assert.deepEqual(library.versions().map((v) => [v.catalogVersion, v.missing, v.complete]), [['c1', 1, false]]);

  const r = await ingestDrive({ drive: d, publicKey: keys.publicKey, library, workers: root.workers });
  assert.deepEqual([r.filesCopied, r.filesReused], [1, 2]);
  assert.equal(library.catalog()!.files.length, 3);
  assert.equal(await readFile(library.open('b.mp4')!.file, 'utf8'), 'bravo');
  await assertLibrarySound(libDir);
});

test('publish refuses a version with unverified objects; two ingests at once and GC during an ingest are refused', async () => {
  const libDir = join(root.dir, 'busy-lib');
  const library = await openLibrary(libDir, root.workers);
  const d = await drive('busy', { 'x.mp4': 'xray' }, 'b1', '2025-06-01T00:00:00Z');
  const release = library.beginIngest();
  await assert.rejects(ingestDrive({ drive: d, publicKey: keys.publicKey, library, workers: root.workers }), (e: ContentError) => e.code === 'busy' && /another content drive/.test(e.message));
  await assert.rejects(library.gc([]), (e: ContentError) => e.code === 'busy');
  const m = await root.workers.readManifest(join(d, 'purser-content.json'));
  await library.addVersion(m);
  await assert.rejects(library.publish('b1'), (e: ContentError) => e.code === 'missing' && /1 of its files are not verified/.test(e.message));
  await assert.rejects(library.addVersion({ ...m, files: [] }), (e: ContentError) => e.code === 'conflict');
  release();
  assert.equal(library.currentVersion, undefined);
  await ingestDrive({ drive: d, publicKey: keys.publicKey, library, workers: root.workers });
  assert.equal(library.currentVersion, 'b1');
});

test('pack refuses symlinks, skips hidden files and keeps metadata from an earlier manifest', async () => {
  const dir = join(root.dir, 'packme');
  await writeTree(dir, { 'movies/Top_Gun.mp4': 'tg', '.DS_Store': 'x', 'newspapers/daily.pdf': 'd', 'music/song.flac': 's' });
  const m = await pack(dir, keys.privateKey, {
    catalogVersion: 'p1', createdAt: '2025-06-01T12:34:56.789Z', workers: root.workers,
    describe: (p) => (p === 'movies/Top_Gun.mp4' ? { title: 'Top Gun', lang: 'en', durationSec: 6600 } : undefined),
  });
  assert.equal(m.createdAt, '2025-06-01T12:34:56Z');
  assert.deepEqual(m.files.map((f) => [f.path, f.kind, f.title, f.lang]), [
    ['movies/Top_Gun.mp4', 'movie', 'Top Gun', 'en'],
    ['music/song.flac', 'audio', 'song', 'und'],
    ['newspapers/daily.pdf', 'newspaper', 'daily', 'und'],
  ]);
  const repacked = await pack(dir, keys.privateKey, { catalogVersion: 'p2', workers: root.workers });
  assert.equal(repacked.files[0]!.durationSec, 6600, 'metadata survives a repack');
  const { symlink } = await import('node:fs/promises');
  await symlink('/etc/hostname', join(dir, 'movies', 'evil.mp4'));
  await assert.rejects(pack(dir, keys.privateKey, { catalogVersion: 'p3', workers: root.workers }), (e: ContentError) => e.code === 'unsafe-file' && /"movies\/evil\.mp4" is a symbolic link/.test(e.message));
});
