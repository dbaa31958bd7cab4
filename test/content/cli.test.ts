import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { commandsFeature } from '../../src/commands/feature.js';
import { contentFeature } from '../../src/content/feature.js';
import { ingestDrive } from '../../src/content/ingest.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { tempRoot, writeTree } from './fixture.js';

const run = promisify(execFile);
const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });

let root: Awaited<ReturnType<typeof tempRoot>>;
let tc: TestController;
before(async () => {
  root = await tempRoot('cli');
});
after(async () => {
  await tc?.stop();
  await root.cleanup();
});

test('purser content pack signs a drive the controller accepts; purser content status shows it', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyFile = join(root.dir, 'content-key.pem');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  await chmod(keyFile, 0o600);
  const drive = join(root.dir, 'drive');
  await writeTree(drive, { 'movies/Heat.mp4': 'heat', 'newspapers/Times.pdf': 'times' });
  const out = await cli(['content', 'pack', drive, '--key', keyFile, '--version', '2025-08']);
  assert.match(out.stdout, /packed 2025-08: 2 files/);
  const manifest = JSON.parse(await readFile(join(drive, 'purser-content.json'), 'utf8')) as { catalogVersion: string; signature: string };
  assert.equal(manifest.catalogVersion, '2025-08');

  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  await writeFile(join(root.dir, 'content-key.pub'), pem);
  tc = await startTestController({ content: { enabled: false, publicKeyFile: join(root.dir, 'content-key.pub') } }, [commandsFeature(), contentFeature()]);
  const content = tc.controller.ctx.need('content');
  await ingestDrive({ drive, publicKey: pem, library: content.library, workers: root.workers });
  const status = await cli(['content', 'status', '--controller', tc.url]);
  assert.match(status.stdout, /Current catalog: 2025-08 \(2 files/);
  assert.match(status.stdout, /Last content.sync: 2025-08, seq \d+/);
  const bad = await cli(['content', 'pack', drive, '--key', keyFile]).catch((e: { code: number; stderr: string }) => e);
  assert.equal((bad as { code: number }).code, 2);
});
