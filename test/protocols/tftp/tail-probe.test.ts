import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TftpServer } from '../../../protocols/tftp/server.js';
import { MIN_PROBE_MS, nextSrtt, probeDelayMs } from '../../../protocols/tftp/tail-probe.js';
import { tftpFetch } from '../../../src/sim/firmware/tftp-client.js';

describe('tail-probe timing', () => {
  it('smooths round trips with a gain of 1/8, starting from the first sample', () => {
    assert.equal(nextSrtt(undefined, 8), 8);
    assert.equal(nextSrtt(8, 16), 9);
  });

  it('probes after four round trips, never sooner than MIN_PROBE_MS, never later than half the timeout', () => {
    assert.equal(probeDelayMs(20, 1000), 80);
    assert.equal(probeDelayMs(0.2, 1000), MIN_PROBE_MS);
    assert.equal(probeDelayMs(400, 1000), 500);
    assert.equal(probeDelayMs(undefined, 1000), 250);
    assert.equal(probeDelayMs(undefined, 30), 15);
  });
});

describe('a windowed transfer that loses blocks of a window', () => {
  const image = randomBytes(512 * 16 * 8 + 100);
  let dir: string;
  let server: TftpServer;
  let port: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-tail-probe-'));
    await mkdir(join(dir, 'fw'));
    await writeFile(join(dir, 'fw/a.img'), image);
    await chmod(dir, 0o755);
    // The server's own timeout stays at its default (1 s): the probe has to beat it by far.
    server = new TftpServer({ root: dir, host: '127.0.0.1', port: 0 });
    ({ port } = await server.start());
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const fetch = (lose?: () => boolean) => {
    const chunks: Buffer[] = [];
    const started = performance.now();
    return tftpFetch(`tftp://127.0.0.1:${port}/fw/a.img`, {
      blksize: 512,
      windowsize: 16,
      // The seat's own silence timer is long: only the server can end the stall early.
      timeoutMs: 5000,
      ...(lose ? { lose } : {}),
      onData: (c) => chunks.push(Buffer.from(c)),
    }).then((r) => ({ r, bytes: Buffer.concat(chunks), ms: performance.now() - started }));
  };

  it('sends nothing twice when nothing is lost', async () => {
    const before = server.stats();
    const { bytes } = await fetch();
    assert.deepEqual(bytes, image);
    assert.deepEqual([server.stats().retransmits - before.retransmits, server.stats().probes - before.probes], [0, 0]);
  });

  // Incoming datagrams, counted: the OACK is 1, DATA block b is b + 1.
  for (const { what, lost, resent, probes } of [
    // The probe is the lost block itself: nothing else goes twice. No round trip is known yet: a quarter of the timeout.
    { what: 'the last block of the first window', lost: [17], resent: 0, probes: 1 },
    // The probe shows the seat a gap; its ACK for 46 brings 47 and 48 again.
    { what: 'the last two blocks of the third window', lost: [48, 49], resent: 2, probes: 1 },
    // Not a tail: the seat repeats its ACK for 16, which sends the window 17-32 again at once.
    { what: 'the first block of the second window', lost: [18], resent: 16, probes: 0 },
    // Block 47, then 47 again at the head of the window 47-62 its gap ACK restarted (47 and 48
    // sent twice): the seat, having reported once, waits in silence. The probe brings 47 and then
    // 62; the seat ACKs 47 at the new gap, and 48-62 go again.
    { what: 'a block twice, the second time at the head of the restarted window', lost: [48, 50], resent: 2 + 15, probes: 2 },
  ]) {
    it(`recovers in milliseconds, not a 1 s timeout, when the seat loses ${what}`, async () => {
      let n = 0;
      const lostOnce = new Set(lost);
      const before = server.stats();
      const { bytes, ms } = await fetch(() => lostOnce.delete(++n));
      assert.deepEqual(bytes, image);
      assert.ok(ms < 600, `took ${Math.round(ms)} ms: the stall waited for the server's timeout`);
      const after = server.stats();
      assert.equal(after.probes - before.probes, probes);
      assert.equal(after.retransmits - before.retransmits, resent);
    });
  }
});
