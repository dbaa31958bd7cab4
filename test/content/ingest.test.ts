import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { toArray, lastValueFrom } from 'rxjs';
import { ContentError } from '../../src/content/errors.js';
import { ingest, ingestDrive, type IngestOptions } from '../../src/content/ingest.js';
import { MANIFEST_NAME, serializeManifest, signedBytes, type ContentManifest } from '../../src/content/manifest.js';
import { pack } from '../../src/content/pack.js';
import type { ContentWorkers } from '../../src/content/workers.js';
import { assertLibrarySound, keyPair, openLibrary, sha256, tempRoot, writeTree, type Keys } from './fixture.js';

let root: Awaited<ReturnType<typeof tempRoot>>;
let workers: ContentWorkers;
let keys: Keys;
let n = 0;
before(async () => {
  root = await tempRoot('ingest');
  workers = root.workers;
  keys = keyPair();
});
after(() => root.cleanup());

/** A fresh drive and library for one test. */
async function setup(files: Record<string, Uint8Array | string>, catalogVersion = '2025-06', createdAt = '2025-06-01T08:00:00Z') {
  const base = join(root.dir, `t${n++}`);
  const drive = join(base, 'drive');
  await writeTree(drive, files);
  const manifest = await pack(drive, keys.privateKey, { catalogVersion, createdAt, workers });
  const libDir = join(base, 'lib');
  const library = await openLibrary(libDir, workers);
  const opts = (extra: Partial<IngestOptions> = {}): IngestOptions => ({ drive, publicKey: keys.publicKey, library, workers, ...extra });
  return { base, drive, libDir, library, manifest, opts };
}

async function refusal(p: Promise<unknown>, code: ContentError['code'], message: RegExp): Promise<ContentError> {
  const err = await p.then(
    () => assert.fail(`expected a ${code} refusal`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ContentError, String(err));
  assert.equal(err.code, code, err.message);
  assert.match(err.message, message);
  return err;
}

test('pack, then ingest: objects stored by sha256, current switches, a second drive copies only what changed', async () => {
  const movie = randomBytes(3 << 20);
  const s = await setup({ 'movies/Heat.mp4': movie, 'newspapers/Times-0601.pdf': 'june 1', 'audio/a.mp3': 'la la' });
  assert.equal(s.library.currentVersion, undefined);
  const events = await lastValueFrom(ingest(s.opts({ progressIntervalMs: 0 })).pipe(toArray()));
  const last = events.at(-1)!;
  assert.equal(last.phase, 'done');
  assert.equal(last.safeToRemove, true);
  assert.match(last.message, /safe to remove/);
  assert.ok(events.slice(0, -1).every((e) => !e.safeToRemove), 'only the final event says the drive may go');
  assert.deepEqual([...new Set(events.map((e) => e.phase))], ['verifying', 'checking', 'copying', 'publishing', 'done']);
  assert.equal(last.filesDone, 3);
  assert.equal(last.filesCopied, 3);
  assert.equal(last.bytesDone, last.bytesTotal);
  assert.ok(events.every((e, i) => i === 0 || e.bytesDone >= events[i - 1]!.bytesDone), 'progress only moves forward');

  assert.equal(s.library.currentVersion, '2025-06');
  const cat = s.library.catalog()!;
  assert.equal(cat.catalogVersion, '2025-06');
  assert.deepEqual(cat.files.map((f) => [f.path, f.kind, f.etag]), s.manifest.files.map((f) => [f.path, f.kind, `"${f.sha256}"`]));
  const opened = s.library.open('movies/Heat.mp4')!;
  assert.equal(opened.size, movie.length);
  assert.ok((await readFile(opened.file)).equals(movie));
  assert.equal(opened.file, join(s.libDir, 'objects', sha256(movie)));
  assert.equal(s.library.open('movies/heat.mp4'), undefined, 'seats ask for exact paths');
  await assertLibrarySound(s.libDir);

  // Next day's drive: same movie, new newspaper. Only the newspaper is copied; current switches.
  await unlink(join(s.drive, 'newspapers/Times-0601.pdf'));
  await writeFile(join(s.drive, 'newspapers/Times-0602.pdf'), 'june 2');
  await pack(s.drive, keys.privateKey, { catalogVersion: '2025-06-02', createdAt: '2025-06-02T05:00:00Z', workers });
  const r = await ingestDrive(s.opts());
  assert.deepEqual(r, { catalogVersion: '2025-06-02', filesCopied: 1, filesReused: 2, bytesCopied: 6 });
  assert.equal(s.library.currentVersion, '2025-06-02');
  assert.deepEqual(s.library.catalog()!.files.map((f) => f.path).sort(), ['audio/a.mp3', 'movies/Heat.mp4', 'newspapers/Times-0602.pdf']);
  assert.ok(s.library.open('newspapers/Times-0601.pdf', '2025-06'), 'seats still on yesterday’s catalog can finish their file');

  // Yesterday's drive again is refused: nobody wants yesterday's newspaper.
  await s.library.gc([]); // removes 2025-06
  const old = await setup({ 'newspapers/Times-0601.pdf': 'june 1' }, '2025-06', '2025-06-01T08:00:00Z');
  const stale = await refusal(ingestDrive({ ...old.opts(), library: s.library }), 'stale', /older than the content on board \(catalog 2025-06-02, packed 2025-06-02\)/);
  assert.equal(stale.field, 'createdAt');
  assert.equal(s.library.currentVersion, '2025-06-02');
  await ingestDrive({ ...old.opts({ allowOlder: true }), library: s.library });
  assert.equal(s.library.currentVersion, '2025-06', 'a deliberate rollback is allowed');
});

test('a bad signature is refused before anything is copied: tampered manifest, or another key', async () => {
  const s = await setup({ 'movies/a.mp4': 'aaaa', 'movies/b.mp4': 'bbbb' });
  const text = await readFile(join(s.drive, MANIFEST_NAME), 'utf8');
  await writeFile(join(s.drive, MANIFEST_NAME), text.replace('"title": "a"', '"title": "A"'));
  const err = await refusal(ingestDrive(s.opts()), 'bad-signature', /does not match this aircraft's content key \([0-9a-f]{16}\)/);
  assert.equal(err.field, 'signature');
  assert.deepEqual(await readdir(join(s.libDir, 'objects')), [], 'nothing copied');
  assert.deepEqual(await readdir(join(s.libDir, 'versions')), [], 'nothing recorded');

  await writeFile(join(s.drive, MANIFEST_NAME), text);
  await refusal(ingestDrive(s.opts({ publicKey: keyPair().publicKey })), 'bad-signature', /signed with another key/);
  await refusal(ingestDrive(s.opts({ publicKey: 'not a key' })), 'key', /content public key/);
  await rm(join(s.drive, MANIFEST_NAME));
  await refusal(ingestDrive(s.opts()), 'not-a-content-drive', /no purser-content\.json/);
  await refusal(ingestDrive(s.opts({ drive: join(s.base, 'nowhere') })), 'drive-removed', /not mounted/);
  assert.equal(s.library.currentVersion, undefined);
});

/** Writes a manifest signed with the test key, whatever it says (the parser still runs first). */
async function writeSigned(drive: string, m: Omit<ContentManifest, 'signature'>): Promise<void> {
  const { sign } = await import('node:crypto');
  const signature = sign(null, signedBytes(m), keys.privateKey).toString('base64');
  await writeFile(join(drive, MANIFEST_NAME), serializeManifest({ ...m, signature }));
}

test('signed manifests with escaping paths, duplicates or huge sizes are refused, naming the field', async () => {
  const s = await setup({ 'a.mp4': 'aaaa' });
  const base = { format: 1 as const, catalogVersion: 'x1', createdAt: '2025-06-01T08:00:00Z' };
  const f = { ...s.manifest.files[0]! };
  const cases: [ContentManifest['files'], string, RegExp][] = [
    [[{ ...f, path: '../etc/passwd' }], 'files[0].path', /leaves the drive/],
    [[{ ...f, path: '/etc/passwd' }], 'files[0].path', /absolute/],
    [[f, { ...f }], 'files[1].path', /listed twice/],
    [[f, { ...f, path: 'A.MP4' }], 'files[1].path', /letter case/],
    [[{ ...f, size: 2 ** 50 }], 'files[0].size', /at most .* per file/],
  ];
  for (const [files, field, message] of cases) {
    await writeSigned(s.drive, { ...base, files });
    const err = await refusal(ingestDrive(s.opts()), 'invalid', message);
    assert.equal(err.field, field);
  }
  assert.deepEqual(await readdir(join(s.libDir, 'objects')), []);
});

test('symlinks, links out of the drive and FIFOs on the drive are refused; the rest is kept and nothing is published', async () => {
  const secret = 'the same bytes as the listed file';
  const s = await setup({ 'movies/a.mp4': secret, 'movies/b.mp4': 'bbbb', 'games/c.bin': 'cccc', 'z.mp3': 'zzzz' });
  const outside = join(s.base, 'outside');
  await writeTree(outside, { 'a.mp4': secret, 'games/c.bin': 'cccc' });
  // The bytes would match: only the path checks stop these.
  await rm(join(s.drive, 'movies/a.mp4'));
  await symlink(join(outside, 'a.mp4'), join(s.drive, 'movies/a.mp4'));
  await rm(join(s.drive, 'games'), { recursive: true });
  await symlink(join(outside, 'games'), join(s.drive, 'games'));
  await rm(join(s.drive, 'z.mp3'));
  execFileSync('mkfifo', [join(s.drive, 'z.mp3')]);
  const err = await refusal(ingestDrive(s.opts()), 'unsafe-file', /(symbolic link|outside the drive|not a regular file).*and 2 more files.*1 of 4 files are safely on board; catalog 2025-06 was not published/);
  assert.ok(err.path);
  assert.equal(s.library.currentVersion, undefined);
  const { objects } = await assertLibrarySound(s.libDir);
  assert.deepEqual([...objects], [sha256(Buffer.from('bbbb'))], 'only the honest file was copied');
});

test('a damaged or missing file on the drive is named; the others are copied and a fixed drive resumes', async () => {
  const s = await setup({ 'a.mp4': 'aaaa', 'b.mp4': 'bbbb', 'c.mp4': 'cccc' });
  await writeFile(join(s.drive, 'b.mp4'), 'bxbb');
  await refusal(ingestDrive(s.opts()), 'corrupt', /"b\.mp4" does not match its checksum/);
  await writeFile(join(s.drive, 'b.mp4'), 'bbbbb');
  await refusal(ingestDrive(s.opts()), 'corrupt', /"b\.mp4" is 5 bytes on the drive but the manifest says 4/);
  await rm(join(s.drive, 'b.mp4'));
  await refusal(ingestDrive(s.opts()), 'missing', /"b\.mp4" is listed on the drive but is not on it/);
  assert.equal(s.library.currentVersion, undefined);
  await assertLibrarySound(s.libDir);
  await writeFile(join(s.drive, 'b.mp4'), 'bbbb');
  const r = await ingestDrive(s.opts());
  assert.equal(r.filesCopied, 1, 'only the repaired file is copied');
  assert.equal(r.filesReused, 2);
  assert.equal(s.library.currentVersion, '2025-06');
});

test('copyBytesPerSecond holds the copy to its rate, and the progress reports that rate', async () => {
  const s = await setup({ 'movies/a.mp4': randomBytes(3 << 20), 'movies/b.mp4': randomBytes(3 << 20) });
  const started = performance.now();
  const events = await lastValueFrom(ingest(s.opts({ copyBytesPerSecond: 3e6, progressIntervalMs: 0 })).pipe(toArray()));
  const seconds = (performance.now() - started) / 1000;
  // 6.3 MB at 3 MB/s: two seconds at least, however fast the disk.
  assert.ok(seconds >= 1.9, `took ${seconds.toFixed(2)} s`);
  assert.equal(events.at(-1)!.filesCopied, 2);
  const rates = events.map((e) => e.bytesPerSecond).filter((r): r is number => r !== undefined);
  assert.ok(rates.length > 0 && rates.every((r) => r <= 3.5e6), `rates ${rates.map((r) => Math.round(r)).join(', ')}`);
  // The time left the crew see: what is left at that rate, counting down, and said in the message.
  const withEta = events.filter((e) => e.phase === 'copying' && e.etaSeconds !== undefined);
  assert.ok(withEta.length > 0, 'an ETA is given once the rate is known');
  for (const e of withEta) {
    const expected = (e.bytesTotal - e.bytesDone) / e.bytesPerSecond!;
    assert.ok(Math.abs(e.etaSeconds! - expected) <= 1, `eta ${e.etaSeconds} s for ${expected.toFixed(2)} s left`);
    assert.ok(e.etaSeconds! <= 3, `eta ${e.etaSeconds} s: 6.3 MB at 3 MB/s is done in about 2 s`);
    assert.match(e.message, /about .+ left$/);
  }
  for (let i = 1; i < withEta.length; i++) assert.ok(withEta[i]!.etaSeconds! <= withEta[i - 1]!.etaSeconds! + 1, 'the ETA counts down');
  await assertLibrarySound(s.libDir);
});

test('not enough space: refused before copying, in sizes the crew can read', async (t) => {
  const s = await setup({ 'big.mp4': randomBytes(3 << 20), 'small.pdf': 'x' });
  const small = join(s.base, 'small-disk');
  await mkdir(small);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', small]);
  } catch {
    t.skip('cannot mount a small tmpfs here');
    return;
  }
  try {
    const library = await openLibrary(join(small, 'content'), workers);
    await refusal(ingestDrive({ ...s.opts({ spareBytes: 0 }), library }), 'no-space', /^not enough space: needs 3\.1 MB, (\d+ kB|[12]\.\d MB) free/);
    assert.deepEqual(await readdir(join(small, 'content', 'objects')), []);
    // The default margin is counted too, so even a tiny drive is refused on a nearly full disk.
    await refusal(ingestDrive({ ...s.opts(), library }), 'no-space', /needs 272 MB/);
  } finally {
    execFileSync('umount', ['-l', small]);
  }
});

