import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ChunkBuffers, sendFileRange } from '../../src/content/send-file-range.js';
import { tempRoot } from './fixture.js';

describe('sendFileRange: a file range through reused buffers', () => {
  let root: Awaited<ReturnType<typeof tempRoot>>;
  let server: Server;
  let port: number;
  const buffers = new ChunkBuffers(64 * 1024);
  const bytes = randomBytes(16 * 1024 * 1024 + 333); // more than loopback socket buffers hold, so a seat going away is noticed mid-file
  let file: string;
  const results: boolean[] = [];

  before(async () => {
    root = await tempRoot('sendrange');
    file = join(root.dir, 'movie');
    await writeFile(file, bytes);
    // GET /start/end[/claimed]: sends [start, end] and says it is `claimed` bytes long (more than the file holds: a file cut under us).
    server = createServer((req, res) => {
      const [start, end, claimed] = req.url!.split('/').slice(1).map(Number) as [number, number, number | undefined];
      res.writeHead(200, { 'content-length': claimed ?? end - start + 1 });
      void sendFileRange(file, start, claimed ? start + claimed - 1 : end, res, buffers).then((ok) => results.push(ok));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await root.cleanup();
  });

  const fetchRange = (path: string, onData?: (n: number, destroy: () => void) => void): Promise<{ body: Buffer; complete: boolean }> =>
    new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          onData?.(Buffer.concat(chunks).length, () => req.destroy());
        });
        res.on('end', () => resolve({ body: Buffer.concat(chunks), complete: res.complete }));
        res.on('error', () => resolve({ body: Buffer.concat(chunks), complete: false }));
      });
      req.on('error', () => resolve({ body: Buffer.concat(chunks), complete: false }));
    });

  it('sends the whole file and any range byte for byte, reusing one buffer', async () => {
    const whole = await fetchRange(`/0/${bytes.length - 1}`);
    assert.ok(whole.complete && whole.body.equals(bytes));
    const part = await fetchRange(`/70000/200000`);
    assert.ok(part.body.equals(bytes.subarray(70000, 200001)));
    await sleep(20);
    assert.deepEqual(results.splice(0), [true, true]);
    assert.equal(buffers.spare, 1, 'both transfers used the same buffer, returned after each');
  });

  it('a seat that goes away mid-body ends the transfer and gives the buffer back', async () => {
    const got = await fetchRange(`/0/${bytes.length - 1}`, (n, destroy) => n > 100_000 && destroy());
    assert.equal(got.complete, false);
    for (let i = 0; i < 50 && results.length === 0; i++) await sleep(20);
    assert.deepEqual(results.splice(0), [false]);
    assert.equal(buffers.spare, 1);
  });

  it('a file shorter than promised ends the connection: a short body, never other bytes', async () => {
    const got = await fetchRange(`/0/0/${bytes.length + 5000}`);
    assert.equal(got.complete, false, 'the seat sees the body end early');
    assert.ok(got.body.equals(bytes), 'what it got is the file, exactly');
    for (let i = 0; i < 50 && results.length === 0; i++) await sleep(20);
    assert.deepEqual(results.splice(0), [false]);
  });
});
