import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { TftpServer } from '../../protocols/tftp/server.js';
import { tftpFetch, TftpFetchError } from '../../src/sim/firmware/tftp-client.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Fetches into memory and returns the bytes with the result. */
async function fetchAll(url: string, o: Parameters<typeof tftpFetch>[1] = {}) {
  const chunks: Buffer[] = [];
  const result = await tftpFetch(url, { ...o, onData: (c) => chunks.push(Buffer.from(c)) });
  return { result, bytes: Buffer.concat(chunks) };
}

let dir: string;
const files = new Map<string, Buffer>();
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-tftp-client-'));
  await mkdir(join(dir, 'firmware/gp3'), { recursive: true });
  // Sizes that end mid-block, on a block boundary (an empty last block), and empty.
  for (const [name, size] of [['a.img', 1_000_003], ['b.img', 1428 * 40], ['empty.img', 0]] as const) {
    const data = randomBytes(size);
    files.set(name, data);
    await writeFile(join(dir, 'firmware/gp3', name), data);
  }
  // in.tftpd drops to nobody: the tree must be readable by others.
  for (const d of [dir, join(dir, 'firmware'), join(dir, 'firmware/gp3')]) await chmod(d, 0o755);
  for (const name of files.keys()) await chmod(join(dir, 'firmware/gp3', name), 0o644);
});
after(() => rm(dir, { recursive: true, force: true }));

describe('seat TFTP client against the controller’s server', () => {
  let server: TftpServer;
  let base: string;
  before(async () => {
    server = new TftpServer({ root: dir, host: '127.0.0.1', port: 0, defaultTimeoutMs: 100 });
    base = `tftp://127.0.0.1:${(await server.start()).port}`;
  });
  after(() => server.stop());

  for (const name of ['a.img', 'b.img', 'empty.img']) {
    it(`fetches ${name} whole with windowsize 16 and learns its size`, async () => {
      const { result, bytes } = await fetchAll(`${base}/firmware/gp3/${name}`);
      assert.equal(sha(bytes), sha(files.get(name)!));
      assert.equal(result.tsize, files.get(name)!.length);
      assert.deepEqual([result.blksize, result.windowsize], [1428, 16]);
    });
  }

  it('recovers from a lossy link: same bytes, with packets sent again', async () => {
    let n = 0;
    const { result, bytes } = await fetchAll(`${base}/firmware/gp3/a.img`, { timeoutMs: 100, lose: () => ++n % 37 === 0 });
    assert.equal(sha(bytes), sha(files.get('a.img')!));
    assert.ok(result.resent > 0);
  });

  it('reports the server’s refusal of a missing file', async () => {
    await assert.rejects(fetchAll(`${base}/firmware/gp3/nope.img`), (e: TftpFetchError) => e.kind === 'server' && /server error 1/.test(e.message));
  });

  it('gives up after its retries when the server goes quiet, and can be abandoned', async () => {
    const quiet = dgram.createSocket('udp4');
    await new Promise<void>((r) => quiet.bind(0, '127.0.0.1', r));
    try {
      const url = `tftp://127.0.0.1:${quiet.address().port}/x`;
      const t0 = performance.now();
      await assert.rejects(tftpFetch(url, { timeoutMs: 50, retries: 2 }), (e: TftpFetchError) => e.kind === 'timeout');
      assert.ok(performance.now() - t0 < 2000);
      const ac = new AbortController();
      const p = tftpFetch(url, { signal: ac.signal });
      ac.abort();
      await assert.rejects(p, (e: TftpFetchError) => e.kind === 'aborted');
    } finally {
      quiet.close();
    }
  });

  it('refuses a URL it cannot use', async () => {
    for (const url of ['http://127.0.0.1/x', 'tftp://controller/x', 'tftp://127.0.0.1/', 'tftp://127.0.0.1/%E0']) {
      await assert.rejects(tftpFetch(url), (e: TftpFetchError) => e.kind === 'url', url);
    }
  });
});

describe('seat TFTP client against in.tftpd (no windowsize)', () => {
  let proc: ReturnType<typeof spawn>;
  let port: number;
  before(async () => {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
    port = probe.address().port;
    probe.close();
    proc = spawn('in.tftpd', ['-L', '-a', `127.0.0.1:${port}`, '-s', dir], { stdio: 'ignore' });
    await sleep(300);
  });
  after(() => proc.kill());

  it('falls back to lockstep when the server does not grant a window', async () => {
    const { result, bytes } = await fetchAll(`tftp://127.0.0.1:${port}/firmware/gp3/a.img`);
    assert.equal(sha(bytes), sha(files.get('a.img')!));
    assert.equal(result.windowsize, 1);
    assert.equal(result.blksize, 1428);
  });
});
