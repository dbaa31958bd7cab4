import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../core/random.js';
import { ingestDrive } from '../../src/content/ingest.js';
import { pack } from '../../src/content/pack.js';
import { assertLibrarySound, keyPair, openLibrary, tempRoot, writeTree } from './fixture.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'ingest-child.ts');
let root: Awaited<ReturnType<typeof tempRoot>>;
const children = new Set<ChildProcess>();
before(async () => {
  root = await tempRoot('powercut');
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await root.cleanup();
});

/** Starts the child and SIGKILLs it after its `killAfter`-th copying event; resolves with what it printed last. */
function runAndKill(args: string[], killAfter: number): Promise<{ killed: boolean; lastLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let seen = 0;
    let killed = false;
    let lastLine = '';
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lastLine = line;
      if (!killed && (JSON.parse(line) as { phase?: string }).phase === 'copying' && ++seen >= killAfter) {
        killed = child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      children.delete(child);
      resolve({ killed, lastLine });
    });
  });
}

test('ingest SIGKILLed at seeded moments: the startup check leaves no partial file, and the next insertion resumes', async () => {
  const rnd = seededRandom(7);
  const keys = keyPair();
  const drive = join(root.dir, 'drive');
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 60; i++) files[`m/${i}.bin`] = randomBytes(Math.floor(rnd() * (i % 6 === 0 ? 6 << 20 : 200 << 10)) + 1);
  await writeTree(drive, files);
  const { files: listed } = await pack(drive, keys.privateKey, { catalogVersion: 'v1', createdAt: '2025-06-01T00:00:00Z', workers: root.workers });
  const keyFile = join(root.dir, 'content.pub.pem');
  await writeFile(keyFile, keys.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  const libDir = join(root.dir, 'lib');

  let kills = 0;
  let sawTemps = false;
  for (let round = 0; round < 4; round++) {
    const { killed, lastLine } = await runAndKill([drive, libDir, keyFile], 1 + Math.floor(rnd() * 8));
    if (!killed) {
      assert.match(lastLine, /"result"/, 'a child that was not killed finished its ingest');
      break;
    }
    kills++;
    // What the power cut left, before any startup check: temp files perhaps, never a bad object.
    const raw = await assertLibrarySound(libDir, { allowTemps: true });
    assert.notEqual(raw.current, 'v1', 'current is never switched before every object is in');
    const library = await openLibrary(libDir, root.workers);
    sawTemps ||= library.startup.tempFilesRemoved.length > 0;
    await assertLibrarySound(libDir); // no temp files now
    const rehash = await library.rehashed;
    assert.deepEqual(rehash.removed, [], 'every object found after the cut is whole');
    assert.equal(rehash.checked, library.startup.objects);
  }
  assert.ok(kills >= 3, `only ${kills} kills landed mid-copy`);

  const library = await openLibrary(libDir, root.workers);
  const present = listed.filter((f) => library.objectState(f.sha256) !== 'absent').length;
  const r = await ingestDrive({ drive, publicKey: keys.publicKey, library, workers: root.workers });
  assert.equal(r.filesCopied, listed.length - present, 'resumes: only what the cuts lost is copied');
  assert.equal(library.currentVersion, 'v1');
  assert.equal((await assertLibrarySound(libDir)).current, 'v1');
  void sawTemps; // a kill between a temp's creation and its rename is likely but not certain
});
