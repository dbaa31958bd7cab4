import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, encodeRequest } from '../../../protocols/tftp/codec.js';
import { RawClient, brief, download, makeRoot, run, sha256, startServer } from './helpers.js';

const SECRET = 'purser-secret-outside-the-root';

describe('TFTP server: confinement to the root', () => {
  let root: Awaited<ReturnType<typeof makeRoot>>;
  let server: Awaited<ReturnType<typeof startServer>>['server'];
  let port: number;

  before(async () => {
    root = await makeRoot({ 'fw/a.img': 3000 });
    // A tree outside the root with a secret, and ways in the root that point at it.
    await mkdir(join(root.dir, 'outside'));
    await writeFile(join(root.dir, 'outside', 'secret.txt'), SECRET);
    await symlink(join(root.dir, 'outside', 'secret.txt'), join(root.root, 'fw', 'escape.img'));
    await symlink(join(root.dir, 'outside'), join(root.root, 'outdir'));
    await symlink('a.img', join(root.root, 'fw', 'alias.img'));
    execFileSync('mkfifo', [join(root.root, 'fw', 'pipe.img')]);
    ({ server, port } = await startServer({ root: root.root }));
  });
  after(async () => {
    await server.stop();
    await root.cleanup();
  });

  /** Sends raw request bytes; returns the first answer, and fails if any DATA carries the secret. */
  async function answer(request: Buffer): Promise<object> {
    const c = await RawClient.open();
    try {
      c.send(request, port);
      const { packet } = await c.next();
      if (packet.op === 'data') assert.equal(packet.data.includes(SECRET), false, 'a byte from outside the root was sent');
      return brief(packet);
    } finally {
      c.close();
    }
  }
  const rrq = (name: string): Promise<object> => answer(encodeRequest('rrq', name, 'octet'));
  const error = (code: number) => ({ op: 'error', code });

  it('refuses ".." with an access violation', async () => {
    assert.deepEqual(await rrq('../outside/secret.txt'), error(ErrorCode.AccessViolation));
    assert.deepEqual(await rrq('fw/../../outside/secret.txt'), error(ErrorCode.AccessViolation));
  });

  it('reads an absolute path as relative to the root: /etc/passwd is not found', async () => {
    assert.deepEqual(await rrq('/etc/passwd'), error(ErrorCode.FileNotFound));
    assert.deepEqual(await rrq(join(root.dir, 'outside', 'secret.txt')), error(ErrorCode.FileNotFound));
  });

  it('refuses symlinks that resolve outside the root, and serves those that stay inside', async () => {
    assert.deepEqual(await rrq('fw/escape.img'), error(ErrorCode.AccessViolation));
    assert.deepEqual(await rrq('outdir/secret.txt'), error(ErrorCode.AccessViolation));
    const r = await download(port, 'fw/alias.img');
    assert.equal(sha256(r.data), sha256(root.content.get('fw/a.img')!));
  });

  it('refuses a NUL inside the name (the rest is read as a bad mode)', async () => {
    const packet = Buffer.concat([Buffer.from([0, 1]), Buffer.from('fw/a.img\0/../../outside/secret.txt\0octet\0')]);
    assert.deepEqual(await answer(packet), error(ErrorCode.IllegalOperation));
  });

  it('refuses a 1000-character name, a directory and a FIFO', async () => {
    assert.deepEqual(await rrq('a'.repeat(1000)), error(ErrorCode.AccessViolation));
    assert.deepEqual(await rrq('fw'), error(ErrorCode.AccessViolation));
    assert.deepEqual(await rrq('fw/pipe.img'), error(ErrorCode.AccessViolation), 'a FIFO must not hang the open');
  });

  it('keeps resolveFile answers inside the root too', async () => {
    const hooked = await startServer({ root: root.root, resolveFile: async () => join(root.dir, 'outside', 'secret.txt') });
    const c = await RawClient.open();
    try {
      c.send(encodeRequest('rrq', 'fw/a.img', 'octet'), hooked.port);
      assert.deepEqual(brief((await c.next()).packet), error(ErrorCode.AccessViolation));
    } finally {
      c.close();
      await hooked.server.stop();
    }
  });

  it('curl gets a TFTP access violation for ../ and no file', async () => {
    const out = join(root.dir, 'curl-out');
    const r = await run('curl', ['-s', '--path-as-is', `tftp://127.0.0.1:${port}/../outside/secret.txt`, '-o', out]);
    assert.equal(r.code, 69, 'curl exit 69: TFTP permission problem');
    const written = await readFile(out).catch(() => Buffer.alloc(0));
    assert.equal(written.includes(SECRET), false);
  });
});
