import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, encodeAck, encodeError, encodeRequest, type Packet } from '../../../protocols/tftp/codec.js';
import type { TftpEvent } from '../../../protocols/tftp/events.js';
import { TftpServer } from '../../../protocols/tftp/server.js';
import { RawClient, brief, download, ended, makeRoot, sha256, startServer, waitForEvent } from './helpers.js';

type Root = Awaited<ReturnType<typeof makeRoot>>;
const error = (code: number) => ({ op: 'error', code });

/** Sends a request and returns the first answer. */
async function ask(port: number, file: string, options: Record<string, string | number> = {}, op: 'rrq' | 'wrq' = 'rrq', mode = 'octet'): Promise<Packet> {
  const c = await RawClient.open();
  try {
    c.send(encodeRequest(op, file, mode, options), port);
    const { packet, rinfo } = await c.next();
    // Whatever was started, end it so the server is not left retransmitting.
    if (packet.op !== 'error') c.send(encodeError(ErrorCode.NotDefined, 'test done'), rinfo.port);
    return packet;
  } finally {
    c.close();
  }
}

describe('TFTP server: configuration', () => {
  it('refuses a host name, and limits outside their ranges, at construction', () => {
    assert.throws(() => new TftpServer({ root: '/', host: 'localhost', port: 0 }), /IP address/);
    assert.throws(() => new TftpServer({ root: '/', host: '127.0.0.1', port: 0, maxBlksize: 70000 }), /maxBlksize/);
    assert.throws(() => new TftpServer({ root: '/', host: '127.0.0.1', port: 0, maxWindowsize: 0 }), /maxWindowsize/);
    assert.doesNotThrow(() => new TftpServer({ root: '/', host: '127.0.0.1', port: 0, maxRetries: undefined }));
  });
});

describe('TFTP server: requests and options', () => {
  let root: Root;
  let port: number;
  let stop: () => Promise<void>;
  before(async () => {
    root = await makeRoot({ 'fw/a.img': 100_000, 'fw/empty.img': 0, 'fw/exact.img': 1024 });
    const s = await startServer({ root: root.root, maxBlksize: 65464, maxWindowsize: 64 });
    port = s.port;
    stop = () => s.server.stop();
  });
  after(async () => {
    await stop();
    await root.cleanup();
  });

  it('refuses a write request with an access violation', async () => {
    assert.deepEqual(brief(await ask(port, 'fw/new.img', {}, 'wrq')), error(ErrorCode.AccessViolation));
  });

  it('refuses netascii and mail modes with an illegal-operation error', async () => {
    assert.deepEqual(brief(await ask(port, 'fw/a.img', {}, 'rrq', 'netascii')), error(ErrorCode.IllegalOperation));
    assert.deepEqual(brief(await ask(port, 'fw/a.img', {}, 'rrq', 'mail')), error(ErrorCode.IllegalOperation));
  });

  it('refuses blksize 0 and 7 and windowsize 0 with error 8', async () => {
    for (const options of [{ blksize: 0 }, { blksize: 7 }, { windowsize: 0 }] as Array<Record<string, number>>) {
      assert.deepEqual(brief(await ask(port, 'fw/a.img', options)), error(ErrorCode.OptionRefused), JSON.stringify(options));
    }
  });

  it('answers blksize 70000 and windowsize 65 with the server maxima', async () => {
    assert.deepEqual(brief(await ask(port, 'fw/a.img', { blksize: 70000 })), { op: 'oack', options: { blksize: '65464' } });
    assert.deepEqual(brief(await ask(port, 'fw/a.img', { blksize: 512, windowsize: 65 })), { op: 'oack', options: { blksize: '512', windowsize: '64' } });
  });

  it('shrinks the window so one burst stays within 64 KiB', async () => {
    const p = await ask(port, 'fw/a.img', { blksize: 8192, windowsize: 16 });
    assert.deepEqual(brief(p), { op: 'oack', options: { blksize: '8192', windowsize: '8' } });
  });

  it('answers tsize with the real file size and ignores unknown options', async () => {
    const p = await ask(port, 'fw/a.img', { tsize: 0, multicast: '', rollover: 0 });
    assert.deepEqual(brief(p), { op: 'oack', options: { tsize: '100000' } });
  });

  it('starts with DATA 1 when no option is acceptable (plain RFC 1350)', async () => {
    assert.deepEqual(brief(await ask(port, 'fw/a.img', { frobnicate: 3 })), { op: 'data', block: 1, length: 512 });
  });

  it('serves empty files and files that are a multiple of blksize (ending with an empty block)', async () => {
    assert.equal((await download(port, 'fw/empty.img')).data.length, 0);
    const exact = await download(port, 'fw/exact.img');
    assert.equal(sha256(exact.data), sha256(root.content.get('fw/exact.img')!));
    assert.equal(exact.dataPackets, 3);
  });

  it('serves with blksize and windowsize, byte for byte', async () => {
    const cases: Array<[string, Record<string, number>]> = [
      ['fw/a.img', { blksize: 1428, windowsize: 16 }],
      ['fw/a.img', { blksize: 8192, windowsize: 64, tsize: 0 }],
      ['fw/exact.img', { blksize: 8, windowsize: 3 }],
    ];
    for (const [file, options] of cases) {
      const r = await download(port, file, { options });
      assert.equal(sha256(r.data), sha256(root.content.get(file)!), JSON.stringify(options));
    }
  });
});

describe('TFTP server: loss, duplicates, timeouts', () => {
  let root: Root;
  let port: number;
  let server: Awaited<ReturnType<typeof startServer>>['server'];
  let events: TftpEvent[];
  before(async () => {
    root = await makeRoot({ 'fw/a.img': 40_000 });
    ({ server, port, events } = await startServer({ root: root.root, defaultTimeoutMs: 100, maxRetries: 3 }));
  });
  after(async () => {
    await server.stop();
    await root.cleanup();
  });

  const content = (): Buffer => root.content.get('fw/a.img')!;

  it('lockstep: a lost DATA block is resent once, after the timeout, and nothing else is', async () => {
    const r = await download(port, 'fw/a.img', { dropData: (b, seen) => b === 5 && seen === 1, timeoutMs: 2000 });
    assert.equal(sha256(r.data), sha256(content()));
    assert.equal(r.perBlock.get(5), 2);
    assert.equal(r.dataPackets, 79 + 1, '79 blocks plus one retransmission');
  });

  it('lockstep: a lost ACK makes the server resend that block; the duplicate ACK it causes sends nothing twice', async () => {
    const lost = new Set([7]);
    const r = await download(port, 'fw/a.img', { dropAck: (b) => lost.delete(b), timeoutMs: 2000 });
    assert.equal(sha256(r.data), sha256(content()));
    assert.equal(r.perBlock.get(7), 2, 'block 7 resent after its ACK was lost');
    assert.equal(r.perBlock.get(8), 1, "the client's repeated ACK 7 must not send block 8 again (Sorcerer's Apprentice)");
    assert.equal(r.dataPackets, 80);
  });

  it('windowed: a lost block is resent starting right after the last block acknowledged', async () => {
    const r = await download(port, 'fw/a.img', {
      options: { blksize: 512, windowsize: 8 },
      dropData: (b, seen) => b === 13 && seen === 1,
      timeoutMs: 2000,
    });
    assert.equal(sha256(r.data), sha256(content()));
    // Blocks 9-16 were in flight; the client ACKs 12 at the gap and the server restarts at 13 (13-16 twice).
    assert.deepEqual([12, 13, 16, 17].map((b) => r.perBlock.get(b)), [1, 2, 2, 1]);
    assert.equal(r.dataPackets, 79 + 4);
  });

  it('windowed: a lost window ACK brings the tail-loss probe (the last block once more), and the client acknowledges again', async () => {
    const lost = new Set([16]);
    const r = await download(port, 'fw/a.img', { options: { windowsize: 8 }, dropAck: (b) => lost.delete(b), timeoutMs: 2000 });
    assert.equal(sha256(r.data), sha256(content()));
    assert.equal(r.dataPackets, 79 + 1);
    assert.equal(r.perBlock.get(16), 2);
  });

  it('a silent client: the transfer fails after maxRetries resends, the event and the client say so', async () => {
    const c = await RawClient.open();
    try {
      c.send(encodeRequest('rrq', 'fw/a.img', 'octet'), port);
      const failed = await waitForEvent(server, events, (e): e is Extract<TftpEvent, { type: 'failed' }> => e.type === 'failed' && e.port === c.socket.address().port);
      assert.equal(failed.outcome, 'timeout');
      assert.equal(failed.retransmits, 3);
      const got = [];
      for (let p = await c.next(); ; p = await c.next()) {
        got.push(brief(p.packet));
        if (p.packet.op === 'error') break;
      }
      const data1 = { op: 'data', block: 1, length: 512 };
      assert.deepEqual(got, [data1, data1, data1, data1, error(ErrorCode.NotDefined)], 'first send, 3 retries, then "timed out"');
    } finally {
      c.close();
    }
  });

  it('an ERROR from the client ends the transfer without a reply', async () => {
    const c = await RawClient.open();
    try {
      c.send(encodeRequest('rrq', 'fw/a.img', 'octet'), port);
      const { rinfo } = await c.next();
      c.send(encodeError(ErrorCode.DiskFull, 'disk full'), rinfo.port);
      const failed = await waitForEvent(server, events, (e): e is Extract<TftpEvent, { type: 'failed' }> => e.type === 'failed' && e.port === c.socket.address().port);
      assert.equal(failed.outcome, 'client-error');
      assert.match(failed.reason, /disk full/);
      assert.ok(await c.quiet(300), 'no packet after the client aborted');
    } finally {
      c.close();
    }
  });

  it('answers a stranger on a transfer port with error 5 and carries on with the real client', async () => {
    const c = await RawClient.open();
    const stranger = await RawClient.open();
    try {
      c.send(encodeRequest('rrq', 'fw/a.img', 'octet'), port);
      const first = await c.next();
      stranger.send(encodeAck(1), first.rinfo.port);
      assert.deepEqual(brief((await stranger.next()).packet), error(ErrorCode.UnknownTransferId));
      c.send(encodeAck(1), first.rinfo.port);
      assert.deepEqual(brief((await c.next()).packet), { op: 'data', block: 2, length: 512 });
      c.send(encodeError(ErrorCode.NotDefined, 'done'), first.rinfo.port);
    } finally {
      c.close();
      stranger.close();
    }
  });

  it('a repeated RRQ from the same port does not start a second transfer', async () => {
    const c = await RawClient.open();
    try {
      const rrq = encodeRequest('rrq', 'fw/a.img', 'octet');
      c.send(rrq, port);
      c.send(rrq, port);
      const first = await c.next();
      await c.quiet(300); // long enough for a second transfer to show up, and for retransmissions
      const senders = new Set(c.received.map((r) => r.rinfo.port));
      assert.deepEqual([...senders], [first.rinfo.port], 'every packet comes from one transfer port');
      assert.equal(events.filter((e) => e.type === 'started' && e.port === c.socket.address().port).length, 1);
      c.send(encodeError(ErrorCode.NotDefined, 'done'), first.rinfo.port);
    } finally {
      c.close();
    }
  });

  it('counts bad packets, retransmissions and outcomes', () => {
    const s = server.stats();
    assert.ok(s.retransmits >= 3 + 1 + 1 + 4, `retransmits ${s.retransmits}`);
    assert.ok(s.probes >= 1, `probes ${s.probes}`);
    assert.ok(s.badPackets >= 1, 'the stranger packet is counted');
    assert.deepEqual([s.outcomes.completed, s.outcomes.timeout], [4, 1]);
    assert.ok(s.outcomes['client-error'] >= 2, 'the test client ends unfinished transfers with an ERROR');
  });
});

describe('TFTP server: rollover, limits and lifecycle', () => {
  let root: Root;
  before(async () => {
    // 65536 blocks of 8 bytes and a bit: the block number wraps to 0 once.
    root = await makeRoot({ 'fw/big.img': 65536 * 8 + 1000, 'fw/a.img': 40_000 });
  });
  after(() => root.cleanup());

  it('sends more than 65535 blocks, wrapping the block number to 0', async () => {
    const { server, port, events } = await startServer({ root: root.root });
    try {
      const r = await download(port, 'fw/big.img', { options: { blksize: 8, windowsize: 64 } });
      assert.equal(sha256(r.data), sha256(root.content.get('fw/big.img')!));
      const done = await waitForEvent(server, events, ended);
      assert.equal(done.type, 'completed');
      assert.equal(done.retransmits, 0);
    } finally {
      await server.stop();
    }
  });

  it('refuses beyond maxTransfers and maxTransfersPerClient with "server busy"', async () => {
    const { server, port } = await startServer({ root: root.root, maxTransfers: 2, maxTransfersPerClient: 1, defaultTimeoutMs: 5000 });
    const clients = await Promise.all([RawClient.open(), RawClient.open(), RawClient.open()]);
    try {
      clients[0]!.send(encodeRequest('rrq', 'fw/a.img', 'octet'), port);
      assert.equal((await clients[0]!.next()).packet.op, 'data');
      // Same address (127.0.0.1), so the per-client cap of 1 refuses the second.
      clients[1]!.send(encodeRequest('rrq', 'fw/a.img', 'octet'), port);
      const busy = (await clients[1]!.next()).packet;
      assert.deepEqual(busy, { op: 'error', code: ErrorCode.NotDefined, message: 'server busy, try again later' });
    } finally {
      clients.forEach((c) => c.close());
      await server.stop();
    }
  });

  it('stop() aborts transfers with an ERROR to the client; the server starts again and serves', async () => {
    const { server, port, events } = await startServer({ root: root.root, defaultTimeoutMs: 5000 });
    const c = await RawClient.open();
    try {
      c.send(encodeRequest('rrq', 'fw/a.img', 'octet'), port);
      await c.next();
      await server.stop();
      assert.deepEqual((await c.next()).packet, { op: 'error', code: ErrorCode.NotDefined, message: 'server shutting down' });
      const failed = await waitForEvent(server, events, ended);
      assert.equal(failed.type === 'failed' && failed.outcome, 'aborted');
      const again = await server.start();
      const r = await download(again.port, 'fw/a.img');
      assert.equal(sha256(r.data), sha256(root.content.get('fw/a.img')!));
      await waitForEvent(server, events, (e): e is Extract<TftpEvent, { type: 'completed' }> => e.type === 'completed');
      assert.equal(server.stats().active, 0);
    } finally {
      c.close();
      await server.stop();
    }
  });

  it('lets resolveFile refuse a file or serve another one in its place', async () => {
    const resolveFile = async (p: string): Promise<string | null> => (p === 'fw/quarantined.img' ? null : p === 'fw/latest.img' ? 'fw/a.img' : p);
    const { server, port } = await startServer({ root: root.root, resolveFile });
    try {
      assert.deepEqual(brief(await ask(port, 'fw/quarantined.img')), error(ErrorCode.AccessViolation));
      const r = await download(port, '/fw/latest.img');
      assert.equal(sha256(r.data), sha256(root.content.get('fw/a.img')!));
    } finally {
      await server.stop();
    }
  });
});
