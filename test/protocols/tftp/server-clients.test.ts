import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TftpEvent } from '../../../protocols/tftp/events.js';
import { makeRoot, run, sha256, startServer, waitForEvent } from './helpers.js';

/** Real clients (curl, tftp-hpa, atftp) download from our server; the bytes must match. */
describe('TFTP server with real clients', () => {
  const IMAGE = 'firmware/gp3/2.5.0.img';
  // 65536 blocks of 8 bytes and a bit: the block number wraps past 65535.
  const ROLLOVER = 'firmware/rollover.img';
  let root: Awaited<ReturnType<typeof makeRoot>>;
  let server: Awaited<ReturnType<typeof startServer>>['server'];
  let events: TftpEvent[];
  let port: number;
  let n = 0;

  before(async () => {
    root = await makeRoot({ [IMAGE]: 2 * 1024 * 1024 + 123, [ROLLOVER]: 65536 * 8 + 1000 });
    ({ server, port, events } = await startServer({ root: root.root }));
  });
  after(async () => {
    await server.stop();
    await root.cleanup();
  });

  /** Runs a client writing to a fresh file; returns the file's sha256 and the transfer's end event. */
  async function fetchWith(cmd: string, args: (out: string) => string[]) {
    const out = join(root.dir, `out-${++n}`);
    const seen = events.length;
    const r = await run(cmd, args(out), 60_000);
    assert.equal(r.code, 0, `${cmd} failed: ${r.stderr}`);
    const end = await waitForEvent(server, events.slice(seen), (e): e is Extract<TftpEvent, { type: 'completed' | 'failed' }> => e.type === 'completed' || e.type === 'failed');
    return { sha: sha256(await readFile(out)), end };
  }
  const want = (file: string): string => sha256(root.content.get(file)!);

  for (const blksize of [512, 1428, 8192, 65464]) {
    it(`curl at blksize ${blksize}`, async () => {
      const { sha, end } = await fetchWith('curl', (out) => ['-s', '--tftp-blksize', String(blksize), `tftp://127.0.0.1:${port}/${IMAGE}`, '-o', out]);
      assert.equal(sha, want(IMAGE));
      assert.deepEqual([end.type, end.blksize, end.retransmits], ['completed', blksize, 0]);
    });
  }

  it('tftp-hpa in binary mode, with a leading slash', async () => {
    const { sha, end } = await fetchWith('tftp', (out) => ['-m', 'binary', '127.0.0.1', String(port), '-c', 'get', `/${IMAGE}`, out]);
    assert.equal(sha, want(IMAGE));
    assert.equal(end.type, 'completed');
  });

  for (const [blksize, windowsize] of [[1428, 16], [512, 64]] as const) {
    it(`atftp with blksize ${blksize} and windowsize ${windowsize}`, async () => {
      const { sha, end } = await fetchWith('atftp', (out) => [
        '--get', '-r', IMAGE, '-l', out,
        '--option', `blksize ${blksize}`, '--option', `windowsize ${windowsize}`,
        '127.0.0.1', String(port),
      ]);
      assert.equal(sha, want(IMAGE));
      assert.deepEqual([end.type, end.blksize, end.windowsize], ['completed', blksize, windowsize]);
    });
  }

  it('curl past 65535 blocks (blksize 8): the block number wraps to 0', async () => {
    const { sha, end } = await fetchWith('curl', (out) => ['-s', '--tftp-blksize', '8', `tftp://127.0.0.1:${port}/${ROLLOVER}`, '-o', out]);
    assert.equal(sha, want(ROLLOVER));
    assert.equal(end.type, 'completed');
  });
});
