import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { HashPool } from '../../firmware/hash-pool.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string;
let pool: HashPool;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-hash-'));
  pool = new HashPool({ maxThreads: 1 });
});
after(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('hashes a file in a worker, reporting progress up to its size', async () => {
  const bytes = randomBytes(20 << 20);
  const path = join(dir, 'image');
  await writeFile(path, bytes);
  const seen: [number, number][] = [];
  const result = await pool.hashFile(path, (done, total) => seen.push([done, total]));
  assert.deepEqual(result, { size: bytes.length, sha256: sha256(bytes) });
  assert.ok(seen.length >= 2, 'a large file reports progress before it ends');
  assert.deepEqual(seen.at(-1), [bytes.length, bytes.length]);
  assert.ok(seen.every(([done], i) => i === 0 || done > seen[i - 1]![0]), 'progress only moves forward');
});

test('copies while hashing: the copy is byte-identical and an existing file is never overwritten', async () => {
  const bytes = randomBytes(3 << 20);
  const src = join(dir, 'src');
  await writeFile(src, bytes);
  const dest = join(dir, 'dest');
  assert.deepEqual(await pool.copyAndHash(src, dest), { size: bytes.length, sha256: sha256(bytes) });
  assert.ok((await readFile(dest)).equals(bytes));
  await assert.rejects(pool.copyAndHash(src, dest), /EEXIST/);
  await assert.rejects(pool.hashFile(join(dir, 'missing')), /ENOENT/);
});

test('the compiled build (.js, no tsx) finds and runs its worker', async () => {
  const out = join(dir, 'dist');
  await build({
    entryPoints: [join(repo, 'firmware/hash-pool.ts'), join(repo, 'firmware/hash-worker.ts')],
    outdir: out,
    // Each entry with the repo's own modules it imports (core/...), npm packages left to node_modules: the worker must load from the output alone.
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  await writeFile(join(out, 'package.json'), '{"type":"module"}');
  await symlink(join(repo, 'node_modules'), join(out, 'node_modules'));
  await writeFile(
    join(out, 'run.js'),
    `import { HashPool } from './hash-pool.js';
     const pool = new HashPool({ maxThreads: 1 });
     console.log((await pool.hashFile(process.argv[2])).sha256);
     await pool.close();`,
  );
  const bytes = randomBytes(1000);
  await writeFile(join(dir, 'small'), bytes);
  const { stdout } = await promisify(execFile)(process.execPath, [join(out, 'run.js'), join(dir, 'small')], {
    env: { PATH: process.env.PATH },
  });
  assert.equal(stdout.trim(), sha256(bytes));
});

test('a worker that cannot start fails the hash with its reason, neither hanging nor ending the process', async () => {
  // A worker running a file refuses --input-type: it dies before it takes the task.
  const broken = new HashPool({ maxThreads: 1, execArgv: [...process.execArgv, '--input-type=module'] });
  await writeFile(join(dir, 'any'), 'x');
  try {
    await assert.rejects(broken.hashFile(join(dir, 'any')), /input-type/);
  } finally {
    await broken.close();
  }
});
