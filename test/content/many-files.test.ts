import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ingestDrive } from '../../src/content/ingest.js';
import { MANIFEST_NAME, serializeManifest, signedBytes, type ContentFile, type UnsignedContentManifest } from '../../src/content/manifest.js';
import { sign } from 'node:crypto';
import { assertLibrarySound, keyPair, openLibrary, sha256, tempRoot } from './fixture.js';

let root: Awaited<ReturnType<typeof tempRoot>>;
before(async () => {
  root = await tempRoot('many', { inMemory: true });
});
after(() => root.cleanup());

test('a drive with 10,000 small files is ingested, and inserting it again copies nothing', async () => {
  const keys = keyPair();
  const drive = join(root.dir, 'drive');
  const files: ContentFile[] = [];
  for (let folder = 0; folder < 20; folder++) {
    await mkdir(join(drive, 'mags', String(folder)), { recursive: true });
    await Promise.all(
      Array.from({ length: 500 }, async (_, k) => {
        const i = folder * 500 + k;
        const rel = `mags/${folder}/issue-${i}.pdf`;
        const body = `issue ${i}`;
        await writeFile(join(drive, rel), body);
        files.push({ path: rel, size: body.length, sha256: sha256(Buffer.from(body)), kind: 'magazine', title: `Issue ${i}`, lang: 'en' });
      }),
    );
  }
  // Signed here rather than by pack() (tested elsewhere): this test is about the ingest.
  const unsigned: UnsignedContentManifest = { format: 1, catalogVersion: 'mags-1', createdAt: '2025-06-01T00:00:00Z', files };
  await writeFile(join(drive, MANIFEST_NAME), serializeManifest({ ...unsigned, signature: sign(null, signedBytes(unsigned), keys.privateKey).toString('base64') }));

  const libDir = join(root.dir, 'lib');
  const library = await openLibrary(libDir, root.workers);
  let maxTotal = 0;
  const r = await ingestDrive({ drive, publicKey: keys.publicKey, library, workers: root.workers }, (p) => (maxTotal = Math.max(maxTotal, p.filesTotal)));
  assert.equal(r.filesCopied, 10_000);
  assert.equal(maxTotal, 10_000);
  assert.equal(library.catalog()!.files.length, 10_000);
  assert.equal((await readdir(join(libDir, 'objects'))).length, 10_000);
  await assertLibrarySound(libDir);
  const again = await ingestDrive({ drive, publicKey: keys.publicKey, library, workers: root.workers });
  assert.deepEqual([again.filesCopied, again.filesReused], [0, 10_000]);
});
