import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ReadStream } from 'node:tty';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { BinarySyncFramer, encodeBinaryFrame } from '../../../protocols/arinc429/framing.js';
import { labelTable } from '../../../protocols/arinc429/labels.js';
import { encodeBnr } from '../../../protocols/arinc429/parameter.js';
import { readOnlyAvionicsSource, type SourceEvent } from '../../../protocols/arinc429/source.js';
import type { BnrLabel } from '../../../protocols/arinc429/labels.js';

const table = labelTable();
const altitudeWord = (ft: number): number => encodeBnr(table.get(0o203) as BnrLabel, ft);

describe('read-only avionics source', () => {
  it('consumes a duplex whose write throws, without ever writing', async () => {
    let writes = 0;
    const duplex = new Duplex({
      read() {},
      write(_chunk, _enc, cb) {
        writes++;
        cb(new Error('the avionics side must never be written to'));
      },
    });
    const src = readOnlyAvionicsSource(duplex, { framer: new BinarySyncFramer() });
    const got = firstValueFrom(src.events$.pipe(take(3), toArray()));
    for (const ft of [1000, 2000, 3000]) duplex.push(Buffer.from(encodeBinaryFrame(altitudeWord(ft))));
    const events = await got;
    assert.deepEqual(
      events.map((e) => (e.kind === 'parameter' && e.parameter.format === 'BNR' ? e.parameter.value : null)),
      [1000, 2000, 3000],
    );
    assert.equal(writes, 0);
    assert.deepEqual(Object.keys(src).sort(), ['counters', 'events$'], 'the source exposes nothing that could write');
    duplex.destroy();
  });

  describe('over a real pty (socat), opened O_RDONLY', () => {
    let dir = '';
    let socat: ChildProcess | undefined;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'purser-a429-'));
      socat = spawn('socat', [`pty,raw,echo=0,link=${join(dir, 'avionics')}`, `pty,raw,echo=0,link=${join(dir, 'adapter')}`], {
        stdio: 'ignore',
        detached: true,
      });
      const deadline = Date.now() + 5000;
      while (!(existsSync(join(dir, 'avionics')) && existsSync(join(dir, 'adapter')))) {
        if (Date.now() > deadline) throw new Error('socat did not create its ptys');
        await new Promise((r) => setTimeout(r, 20));
      }
    });
    after(() => {
      if (socat?.pid) {
        try {
          process.kill(-socat.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('decodes what the adapter sends, the fd refuses writes, and the adapter end sees 0 bytes back', async () => {
      const adapterFd = openSync(join(dir, 'adapter'), constants.O_RDWR | constants.O_NOCTTY);
      const adapterIn = new ReadStream(adapterFd);
      let echoed = 0;
      adapterIn.on('data', (b: Buffer) => (echoed += b.length));

      // How the lead opens the avionics port: O_RDONLY, no controlling tty, non-blocking for libuv.
      const fd = openSync(join(dir, 'avionics'), constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK);
      assert.throws(() => writeSync(fd, Buffer.from('x')), /EBADF/, 'the kernel refuses a write on a read-only descriptor');
      const port = new ReadStream(fd);
      try {
        const src = readOnlyAvionicsSource(port, { framer: new BinarySyncFramer() });
        const n = 50;
        const got = firstValueFrom(
          src.events$.pipe(
            filter((e: SourceEvent) => e.kind === 'parameter'),
            take(n),
            toArray(),
          ),
        );
        const frames = Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.from(encodeBinaryFrame(altitudeWord(i * 100)))));
        writeSync(adapterFd, Buffer.concat([Buffer.from([0x00, 0xa5, 0x13]), frames])); // garbage first
        const events = await got;
        assert.equal(events.length, n);
        await new Promise((r) => setTimeout(r, 300)); // anything written back would have arrived by now
        assert.equal(echoed, 0, 'nothing ever reached the adapter from the avionics side');
        assert.equal(src.counters().decoded, n);
      } finally {
        port.destroy();
        adapterIn.destroy();
      }
    });
  });
});
