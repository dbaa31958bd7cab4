import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { seededRandom } from '../../core/random.js';
import { ContentError } from '../../src/content/errors.js';
import { ingest, ingestDrive } from '../../src/content/ingest.js';
import { pack } from '../../src/content/pack.js';
import { assertLibrarySound, keyPair, openLibrary, tempRoot, writeTree } from './fixture.js';

let root: Awaited<ReturnType<typeof tempRoot>>;
before(async () => {
  root = await tempRoot('interrupt');
});
after(() => root.cleanup());

test('a drive pulled at 20 seeded moments: never a partial object or a bad current, and re-insertion never recopies', async () => {
  const rnd = seededRandom(20250601);
  const keys = keyPair();
  const drive = join(root.dir, 'drive');
  const files: Record<string, Buffer> = {};
  // Sizes around the 1 MB batching threshold and the 4 MB progress step, so pulls land mid-file and mid-batch.
  for (let i = 0; i < 200; i++) files[`f/${String(i).padStart(3, '0')}.bin`] = randomBytes(Math.floor(rnd() * (i % 10 === 0 ? 4 << 20 : 128 << 10)) + 1);
  await writeTree(drive, files);
  const { files: listed } = await pack(drive, keys.privateKey, { catalogVersion: 'v2', createdAt: '2025-06-02T00:00:00Z', workers: root.workers });
  let libDir = join(root.dir, 'lib');
  let library = await openLibrary(libDir, root.workers);
  const opts = { drive, publicKey: keys.publicKey, workers: root.workers, progressIntervalMs: 0 };

  let copiedTotal = 0;
  let pulls = 0;
  for (let attempt = 0; pulls < 20; attempt++) {
    assert.ok(attempt < 60, 'every pull should happen before the drive is fully copied');
    const notYet = listed.filter((f) => library.objectState(f.sha256) === 'absent');
    assert.ok(notYet.length > 0, `drive fully copied after only ${pulls} pulls`);
    const byRename = pulls % 3 === 2;
    // Mostly one copy stream, so a pull leaves work behind; every fourth pull with the default two.
    const concurrency = pulls % 4 === 3 ? 2 : 1;
    let outcome: unknown;
    if (byRename) {
      // The mount point disappears (what a pulled USB stick looks like to open()): after the k-th progress event.
      const k = 1 + Math.floor(rnd() * 2);
      let seen = 0;
      let moved = false;
      outcome = await new Promise((resolve) => {
        ingest({ ...opts, library, concurrency }).subscribe({
          next: (p) => {
            if (p.phase === 'copying' && ++seen === k && !moved) {
              moved = true;
              renameSync(drive, `${drive}-gone`); // synchronously: before the next batch is handed out
            }
          },
          error: resolve,
          complete: () => resolve('completed'),
        });
      });
      if (moved) await rename(`${drive}-gone`, drive);
    } else {
      // Reads start failing with EIO at a seeded byte of a file still to copy.
      // One of the next few files to copy, so that every pull leaves work for the next one.
      const victim = notYet[Math.floor(rnd() * Math.min(3, notYet.length))]!;
      const at = Math.floor(rnd() * victim.size);
      outcome = await ingestDrive({ ...opts, library, concurrency, faultAt: (p) => (p === victim.path ? at : undefined) }).catch((e: unknown) => e);
    }
    if (outcome === 'completed' || !(outcome instanceof ContentError)) {
      // The pull came too late to matter (a fast machine finished what was in flight): no pull. The
      // drive is on board now, so the next pulls start again on an empty library of their own.
      libDir = join(root.dir, `lib-${attempt}`);
      library = await openLibrary(libDir, root.workers);
      copiedTotal = 0;
      continue;
    }
    assert.equal(outcome.code, 'drive-removed', outcome.message);
    assert.match(outcome.message, /files are safely on board; insert the drive again to continue where it stopped\.$/);
    pulls++;
    const sound = await assertLibrarySound(libDir);
    assert.equal(sound.current, undefined, 'the new catalog is never current while objects are missing');
    copiedTotal += listed.filter((f) => library.objectState(f.sha256) === 'verified').length - (listed.length - notYet.length);
    // Every few pulls the controller also restarts in between, as if power went too.
    if (pulls % 5 === 0) library = await openLibrary(libDir, root.workers);
  }
  assert.equal(pulls, 20);
  const before = listed.filter((f) => library.objectState(f.sha256) !== 'absent').length;
  const r = await ingestDrive({ ...opts, library });
  assert.equal(r.filesCopied, listed.length - before, 're-insertion copies only what is missing');
  assert.equal(r.filesReused, before);
  assert.equal(copiedTotal + r.filesCopied, listed.length, 'every file was copied exactly once over all insertions');
  assert.equal(library.currentVersion, 'v2');
  const sound = await assertLibrarySound(libDir);
  assert.equal(sound.current, 'v2');
  assert.equal(sound.objects.size, listed.length);
});

test('unsubscribing stops the ingest: threads stopped mid-file, no temp files, the library free for the next insertion', async () => {
  const keys = keyPair();
  const drive = join(root.dir, 'cancel-drive');
  await writeTree(drive, { 'big1.bin': randomBytes(24 << 20), 'big2.bin': randomBytes(24 << 20), 'small.txt': 'hi' });
  await pack(drive, keys.privateKey, { catalogVersion: 'c1', workers: root.workers });
  const libDir = join(root.dir, 'cancel-lib');
  const library = await openLibrary(libDir, root.workers);
  let stopped = false;
  await new Promise<void>((resolve) => {
    const sub = ingest({ drive, publicKey: keys.publicKey, library, workers: root.workers, progressIntervalMs: 0 }).subscribe({
      next: (p) => {
        if (p.phase === 'copying' && p.bytesDone > 0 && p.bytesDone < p.bytesTotal) {
          sub.unsubscribe();
          stopped = true;
          resolve();
        }
      },
      complete: () => resolve(),
    });
  });
  assert.ok(stopped, 'the ingest was stopped mid-copy');
  // The stopped ingest cleans up after itself, then releases the library.
  let r;
  for (let i = 0; i < 100; i++) {
    r = await ingestDrive({ drive, publicKey: keys.publicKey, library, workers: root.workers }).catch((e: ContentError) => e);
    if (!(r instanceof ContentError && r.code === 'busy')) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(!(r instanceof ContentError), String(r));
  assert.equal(library.currentVersion, 'c1');
  await assertLibrarySound(libDir);
});
