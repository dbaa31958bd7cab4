import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DownloadFailed, DownloadThread } from '../../src/sim/firmware/download-thread.js';
import { makeRoot, sha256, startServer } from '../protocols/tftp/helpers.js';

// The simulator's downloads run on a worker thread: real TFTP from a real server, the digest
// computed there, progress and faults carried across.
const SIZE = 300_000;
let root: Awaited<ReturnType<typeof makeRoot>>;
let server: Awaited<ReturnType<typeof startServer>>['server'];
let url: string;
const thread = new DownloadThread();

before(async () => {
  root = await makeRoot({ 'fw/a.img': SIZE });
  const started = await startServer({ root: root.root });
  server = started.server;
  url = `tftp://127.0.0.1:${started.port}/fw/a.img`;
});
after(async () => {
  await thread.stop();
  await server.stop();
  await root.cleanup();
});

const request = (over: Partial<Parameters<DownloadThread['fetch']>[0]> = {}) => {
  const progress: number[] = [];
  return { progress, req: { url, tftp: { blksize: 1428, windowsize: 8 }, size: SIZE, onProgress: (p: number) => progress.push(p), signal: new AbortController().signal, ...over } };
};

test('fetches on the thread: the digest of exactly the served bytes, progress rising to 1', async () => {
  const { req, progress } = request();
  const out = await thread.fetch(req);
  assert.equal(out.kind, 'done');
  assert.equal(out.kind === 'done' && out.sha256, sha256(root.content.get('fw/a.img')!));
  assert.equal(out.kind === 'done' && out.bytes, SIZE);
  assert.ok(progress.length > 10 && progress.every((p, i) => i === 0 || p > progress[i - 1]!) && progress.at(-1) === 1, String(progress));
});

test('a corrupt fault spoils the digest; a timeout fault stalls half-way; an abort fails it', async () => {
  const corrupt = await thread.fetch(request({ corruptFirst: true }).req);
  assert.equal(corrupt.kind, 'done');
  assert.notEqual(corrupt.kind === 'done' && corrupt.sha256, sha256(root.content.get('fw/a.img')!));

  const { req, progress } = request({ stallAtHalf: true });
  assert.deepEqual(await thread.fetch(req), { kind: 'stalled' });
  assert.ok(progress.at(-1)! >= 0.5 && progress.at(-1)! < 1, String(progress.at(-1)));

  const ac = new AbortController();
  const aborted = thread.fetch(request({ signal: ac.signal, tftp: { blksize: 512, windowsize: 1 } }).req);
  setTimeout(() => ac.abort(), 5);
  await assert.rejects(aborted, (e: Error) => e instanceof DownloadFailed && e.kind === 'aborted');
});

test('a server that is not there fails the download with the reason, and the thread goes on serving', async () => {
  await assert.rejects(thread.fetch(request({ url: 'tftp://127.0.0.1:9/fw/a.img', tftp: { timeoutMs: 100, retries: 1 } }).req), DownloadFailed);
  assert.equal((await thread.fetch(request().req)).kind, 'done');
});
