import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkLibrary, type LibraryHistory } from './power-cut/library-check.js';

// The power-cut torture's content checks must be able to fail: each damage a cut could leave is made by hand here.
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('power-cut library check', () => {
  let dir: string;
  let n = 0;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'purser-pc-libcheck-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  /** A library with `objects` stored and version(s) listing them; `current` names `cur`. */
  async function lib(objects: Buffer[], versions: Record<string, { createdAt: string; files: Buffer[] }>, cur?: string): Promise<string> {
    const d = join(dir, `lib-${n++}`);
    await mkdir(join(d, 'objects'), { recursive: true });
    await mkdir(join(d, 'versions'));
    for (const b of objects) await writeFile(join(d, 'objects', sha(b)), b);
    for (const [v, { createdAt, files }] of Object.entries(versions)) {
      await writeFile(join(d, 'versions', `${v}.json`), JSON.stringify({ catalogVersion: v, createdAt, files: files.map((b, i) => ({ path: `f${i}`, sha256: sha(b) })) }));
    }
    if (cur) await writeFile(join(d, 'current'), JSON.stringify({ catalogVersion: cur }) + '\n');
    return d;
  }
  const fresh = (): LibraryHistory => ({ switches: [], createdAt: new Map() });
  const a = randomBytes(1000);
  const b = randomBytes(2000);

  it('a sound library: no problems, every object counted, temp names allowed', async () => {
    const d = await lib([a, b], { v1: { createdAt: '2026-01-01T00:00:00Z', files: [a, b] } }, 'v1');
    await writeFile(join(d, 'objects', `.${sha(a)}.tmp-0123456789ab`), 'half');
    const r = await checkLibrary(d, fresh());
    assert.deepEqual(r.problems, []);
    assert.equal(r.verified.size, 2);
    assert.equal(r.bytes, 3000);
    assert.equal(r.current, 'v1');
  });

  it('an object whose bytes do not hash to its name is a problem', async () => {
    const d = await lib([a], {});
    await writeFile(join(d, 'objects', sha(b)), b.subarray(0, 100)); // a short copy under the final name
    const r = await checkLibrary(d, fresh());
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!, /holds 100 bytes hashing to/);
  });

  it('current listing an object that is missing is a problem', async () => {
    const d = await lib([a], { v1: { createdAt: '2026-01-01T00:00:00Z', files: [a, b] } }, 'v1');
    const r = await checkLibrary(d, fresh());
    assert.match(r.problems.join(), /current v1 lists 1 files whose objects are missing/);
  });

  it('current switched back to an older version, or gone, is a problem', async () => {
    const versions = { v1: { createdAt: '2026-01-01T00:00:00Z', files: [a] }, v2: { createdAt: '2026-02-01T00:00:00Z', files: [b] } };
    const h = fresh();
    assert.deepEqual((await checkLibrary(await lib([a, b], versions, 'v1'), h)).problems, []);
    assert.deepEqual((await checkLibrary(await lib([a, b], versions, 'v2'), h)).problems, []);
    assert.deepEqual(h.switches, ['v1', 'v2']);
    assert.match((await checkLibrary(await lib([a, b], versions, 'v1'), h)).problems.join(), /switched back to v1 after v2/);
    assert.match((await checkLibrary(await lib([a, b], versions), h)).problems.join(), /current is gone/);
  });

  it('a file in objects/ that is neither an object nor a temp is a problem', async () => {
    const d = await lib([], {});
    await writeFile(join(d, 'objects', 'stray.bin'), 'x');
    assert.match((await checkLibrary(d, fresh())).problems.join(), /neither an object nor a temp/);
  });
});
