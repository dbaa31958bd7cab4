import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeAck, encodeRequest } from '../../../protocols/tftp/codec.js';
import { RawClient, download, makeRoot, sha256, startServer } from './helpers.js';

const SECRET = 'purser-fuzz-secret';

/** Request-shaped packets: real opcodes, names aimed at escaping the root, odd modes and options, broken terminators. */
const requestish = fc
  .record({
    op: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, fc.integer({ min: 0, max: 7 })),
    name: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('fw/a.img', '/fw/a.img', '../outside/secret', 'fw/escape', '/etc/passwd', 'fw/../../outside/secret', 'fw', '') },
      fc.string({ maxLength: 30 }),
      fc.string({ minLength: 250, maxLength: 1200 }),
    ),
    mode: fc.oneof({ weight: 3, arbitrary: fc.constant('octet') }, fc.constantFrom('OCTET', 'netascii', 'mail', '', 'binary')),
    options: fc.array(
      fc.tuple(
        fc.constantFrom('blksize', 'windowsize', 'timeout', 'tsize', 'BLKSIZE', 'x'),
        fc.oneof({ weight: 3, arbitrary: fc.constantFrom('8', '512', '65') }, fc.constantFrom('0', '7', '70000', '-1', '', 'abc', '99999999999999999999')),
      ),
      { maxLength: 3 },
    ),
    cut: fc.nat({ max: 40 }),
  })
  .map(({ op, name, mode, options, cut }) => {
    const body = Buffer.from([name, mode, ...options.flat()].map((s) => `${s}\0`).join(''), 'utf8');
    // Sometimes drop trailing bytes: missing terminators, a name with no value.
    return Buffer.concat([Buffer.from([0, op]), cut % 3 === 0 ? body.subarray(0, Math.max(0, body.length - (cut % 7))) : body]);
  });
const anyPacket = fc.oneof(requestish, fc.uint8Array({ maxLength: 700 }).map((b) => Buffer.from(b)));

describe('TFTP server: fuzzed packets on live sockets', () => {
  let root: Awaited<ReturnType<typeof makeRoot>>;
  let server: Awaited<ReturnType<typeof startServer>>['server'];
  let port: number;
  let content: Buffer;

  before(async () => {
    root = await makeRoot({ 'fw/a.img': 3000 });
    content = root.content.get('fw/a.img')!;
    await mkdir(join(root.dir, 'outside'));
    await writeFile(join(root.dir, 'outside', 'secret'), SECRET);
    await symlink(join(root.dir, 'outside', 'secret'), join(root.root, 'fw', 'escape'));
    // Short timeouts, so transfers the fuzz starts and abandons end quickly.
    ({ server, port } = await startServer({ root: root.root, defaultTimeoutMs: 20, maxRetries: 1, maxTransfers: 512 }));
  });
  after(async () => {
    await server.stop();
    await root.cleanup();
  });

  /** Every packet the server sends must parse, and DATA may only carry bytes of the file in the root. */
  function checkAnswers(c: RawClient): number {
    for (const { packet } of c.received) {
      if (packet.op === 'data' && packet.data.length > 0) {
        assert.equal(packet.data.includes(SECRET), false, 'a byte from outside the root');
        assert.equal(content.includes(packet.data), true, 'DATA that is not part of fw/a.img');
      }
    }
    return c.received.length;
  }

  it('answers thousands of random and malformed packets on the listen port with an ERROR or silence', async () => {
    const seed = Date.now();
    const packets = fc.sample(anyPacket, { numRuns: 4000, seed });
    // Many source ports: a client port with a transfer running has its repeated requests ignored.
    const clients = await Promise.all(Array.from({ length: 32 }, () => RawClient.open()));
    try {
      for (let i = 0; i < packets.length; i++) {
        clients[i % clients.length]!.send(packets[i]!, port);
        // Let the server drain its socket now and then, as a real flood would be spread out.
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      await clients[0]!.quiet(300);
      const answers = clients.reduce((n, c) => n + checkAnswers(c), 0);
      assert.ok(answers > 1000, `the server answered (seed ${seed})`);
      const stats = server.stats();
      // 40-60 of the 4,000 start a transfer, depending on the sample: the valid
      // requests for the file that come from a port with no transfer running.
      assert.ok(stats.badPackets > 1000, `bad packets counted (seed ${seed})`);
      assert.ok(stats.started > 20, `valid requests among the garbage still start transfers (seed ${seed})`);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('survives garbage from the client and strangers during a transfer, and still serves afterwards', async () => {
    const seed = Date.now();
    const garbage = fc.sample(fc.oneof(anyPacket, fc.integer({ min: 0, max: 65535 }).map(encodeAck)), { numRuns: 1000, seed });
    const c = await RawClient.open();
    const stranger = await RawClient.open();
    try {
      c.send(encodeRequest('rrq', 'fw/a.img', 'octet', { blksize: 8 }), port);
      const { rinfo } = await c.next();
      for (let i = 0; i < garbage.length; i++) {
        (i % 2 ? c : stranger).send(garbage[i]!, rinfo.port);
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      await c.quiet(300);
      checkAnswers(c);
      checkAnswers(stranger);
      for (const { packet } of stranger.received) assert.deepEqual(packet.op === 'error' && packet.code, 5, `strangers only hear error 5 (seed ${seed})`);
    } finally {
      await c.close();
      await stranger.close();
    }
    const r = await download(port, 'fw/a.img', { options: { blksize: 1428 } });
    assert.equal(sha256(r.data), sha256(content));
  });
});
