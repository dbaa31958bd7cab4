import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_TOKEN } from '../helpers/commands.js';
import { startFirmwareController, type FirmwareController } from '../firmware-rollout/controller.js';
import { countingProxy, type CountingProxy } from '../firmware/counting-proxy.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MiB = 2 ** 20;

let fc: FirmwareController;
let work: string;
let proxy: CountingProxy;

/** `purser firmware ...` as a technician runs it, through the counting proxy; stdout and stderr apart. */
function purser(args: string[], token = TEST_TOKEN): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'firmware', ...args, '--controller', proxy.url, '--token', token], { cwd: ROOT, env: { ...process.env, PURSER_URL: '', PURSER_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A file of `size` bytes that takes no disk: a big image in no time. */
async function sparse(name: string, size: number): Promise<string> {
  const path = join(work, name);
  await writeFile(path, '');
  await truncate(path, size);
  return path;
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

before(async () => {
  fc = await startFirmwareController({ firmware: { maxImageBytes: 512 * MiB } });
  work = await mkdtemp(join(tmpdir(), 'purser-fw-cli-'));
});
after(async () => {
  await proxy?.close();
  await fc?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('purser firmware import: refused before the upload, errors last', () => {
  it('a bad version or model is refused before anything is sent, by its flag', async () => {
    proxy = await countingProxy(fc.url);
    const image = await sparse('big.img', 256 * MiB);
    const r = await purser(['import', image, '--model', 'gp3', '--version', '2.5 beta']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--version "2\.5 beta" is not allowed: use 1-32 of a-z 0-9 \. _ -/);
    const m = await purser(['import', image, '--model', 'GP3', '--version', '2.5.0']);
    assert.match(m.stderr, /--model "GP3" is not allowed/);
    assert.equal(proxy.connections, 0, 'the controller was not even asked');
    await proxy.close();
  });

  it('a bad --signature names the file and what is wrong with it, never an HTTP header', async () => {
    proxy = await countingProxy(fc.url);
    const image = join(work, 'small.img');
    await writeFile(image, randomBytes(4096));
    const junk = join(work, 'junk.sig');
    await writeFile(junk, 'c2hvcnQ=\n');
    const short = await purser(['import', image, '--model', 'gp3', '--version', '2.5.0', '--signature', junk]);
    assert.equal(short.code, 2);
    assert.match(short.stderr, new RegExp(`the signature file ${junk} must hold the base64 of a 64-byte Ed25519 signature; it holds 5 bytes of base64, not 64`));
    const missing = await purser(['import', image, '--model', 'gp3', '--version', '2.5.0', '--signature', join(work, 'nowhere.sig')]);
    assert.match(missing.stderr, /--signature .*nowhere\.sig: there is no such file, and it is not a signature itself/);
    await writeFile(`${image}.sig`, 'not a signature at all!\n');
    const beside = await purser(['import', image, '--model', 'gp3', '--version', '2.5.0']);
    assert.match(beside.stderr, new RegExp(`${image}\\.sig must be the base64 of a 64-byte Ed25519 signature`));
    await rm(`${image}.sig`);
    for (const r of [short, missing, beside]) assert.doesNotMatch(r.stderr, /header/i);
    assert.equal(proxy.toServer, 0, 'nothing was sent');
    await proxy.close();
  });

  it('an image over the controller’s size limit, or a version already there at another size, is refused before its upload', async () => {
    proxy = await countingProxy(fc.url);
    const huge = await sparse('huge.img', 600 * MiB);
    const r = await purser(['import', huge, '--model', 'gp3', '--version', '2.5.0']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /huge\.img is 629145600 bytes, over the controller's firmware\.maxImageBytes \(536870912 bytes\); nothing was uploaded/);
    assert.equal((await fc.upload('gp3', '2.4.0', Buffer.alloc(1000, 3))).status, 201);
    const again = await purser(['import', await sparse('other.img', 8 * MiB), '--model', 'gp3', '--version', '2.4.0']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /gp3 2\.4\.0 is already in the catalog with other content \(1000 bytes, not 8388608\); a new image needs a new version; nothing was uploaded/);
    assert.ok(proxy.toServer < 4096, `only the listing was asked for (${proxy.toServer} bytes)`);
    await proxy.close();
  });

  it('what only the controller can refuse from the headers (a wrong token) comes back before the body is sent, and nothing is drawn after it', async () => {
    proxy = await countingProxy(fc.url);
    const image = await sparse('big.img', 256 * MiB);
    const r = await purser(['import', image, '--model', 'gp3', '--version', '2.5.0'], 'wrong-token-wrong-token');
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), ['purser firmware: 401 UNAUTHORIZED: log in on the panel or send the API bearer token'], 'the error alone: no progress before or after it');
    assert.ok(proxy.toServer < 64 * 1024, `${proxy.toServer} bytes of a 256 MiB image went up`);
    await proxy.close();
  });

  it('a signature that does not verify is told after the upload, in the technician’s words, as the last line', async () => {
    proxy = await countingProxy(fc.url);
    const image = join(work, 'signed.img');
    await writeFile(image, randomBytes(8 * MiB));
    const sig = join(work, 'signed.img.wrong');
    await writeFile(sig, `${randomBytes(64).toString('base64')}\n`);
    const r = await purser(['import', image, '--model', 'gp3', '--version', '2.6.0', '--signature', sig]);
    assert.equal(r.code, 1);
    const said = lines(r.stderr);
    assert.match(said.at(-1)!, new RegExp(`^purser firmware: 422 BAD_SIGNATURE: the signature file ${sig} does not verify for gp3 2\\.6\\.0 \\(8388608 bytes`));
    assert.ok(said.slice(0, -1).every((l) => / MiB of gp3 2\.6\.0 uploaded$/.test(l)), said.join('\n'));
    assert.match(said.at(-2)!, /^8\/8 MiB/, 'the upload finished before the verdict');
    await proxy.close();
  });

  it('a sound image uploads with progress and is imported', async () => {
    proxy = await countingProxy(fc.url);
    const image = join(work, 'good.img');
    await writeFile(image, randomBytes(5 * MiB));
    const r = await purser(['import', image, '--model', 'gp3', '--version', '2.7.0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^imported gp3 2\.7\.0: 5242880 bytes, sha256 [0-9a-f]{64}, signed here/);
    assert.match(lines(r.stderr).at(-1)!, /^5\/5 MiB of gp3 2\.7\.0 uploaded$/);
    await proxy.close();
  });
});
