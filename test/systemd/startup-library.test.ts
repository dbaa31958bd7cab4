import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { deriveLruKey } from '../../protocols/seat-poll/hmac.js';
import { signContentRequest } from '../../src/content/seat-auth.js';
import { reap, spawnPurser, writeConfig } from '../e2e/purser-child.js';
import { randomPort } from '../helpers/commands.js';
import { TEST_SECRET } from '../helpers/controller.js';
import { makeFullLibrary } from '../helpers/full-library.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { tempDir } from './helpers.js';

/**
 * Issue 20 part 4, the order (not a timing, which a loaded machine spoils):
 * with a library of 2,000 files found after a power cut, a real `purser run`
 * answers seats while the library's background re-hash is still running, and
 * a content request meanwhile gets verified bytes, 404 for a file the check
 * found damaged, or 503 (STARTING, VERIFYING): never bytes that fail their SHA-256.
 */
const FILES = 2000;
const ASKED = 500;
const REHASHED = /"msg":"content library: (every object checked|damaged objects removed)/;
const SERIAL = 'GP3-1A';
const lruKey = deriveLruKey(Buffer.from(TEST_SECRET, 'hex'), SERIAL);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('start-up with a full library', { timeout: 90_000 }, () => {
  it('answers seats before the library is re-hashed, and serves only verified content meanwhile', async (t) => {
    const tmp = await tempDir('purser-startup-library-');
    const lib = await makeFullLibrary(tmp.dir, { contentFiles: FILES, contentBytes: 4096, firmwareImages: 2, firmwareBytes: 64 * 1024 });
    // The cut's damage: one byte of every tenth object changed, its size kept.
    const damaged = new Set(lib.files.filter((_, i) => i % 10 === 0).map((f) => f.path));
    for (const f of lib.files) {
      if (!damaged.has(f.path)) continue;
      const fh = await open(join(tmp.dir, 'content', 'objects', f.sha256), 'r+');
      const byte = Buffer.alloc(1);
      await fh.read(byte, 0, 1, 100);
      await fh.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 100);
      await fh.close();
    }
    const cfg = await writeConfig(tmp.dir, {
      cabin: { secret: TEST_SECRET },
      commands: { port: randomPort(), group: '239.255.20.1' },
      multicast: { interface: '127.0.0.1', ttl: 1 },
      vlc: { enabled: false },
      content: { enabled: false, publicKey: lib.contentPublicKey },
    });
    const child = spawnPurser(cfg, { env: { PURSER_LOG_LEVEL: 'info' } });
    try {
      const early = await child.starting;
      let answered = false;
      for (const until = performance.now() + 60_000; !answered; ) {
        assert.ok(performance.now() < until, `no poll answered: ${child.stderr().slice(-1000)}`);
        answered = (await postPoll(early.url, pollBody('1A')).catch(() => ({ status: 0 }))).status === 200;
        if (!answered) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(!REHASHED.test(child.stdout()), 'a seat poll was answered while the library was still being re-hashed');

      // As seats would, while the check runs: the first files of the catalog (the re-hash goes in disk order), a few at a time.
      const asked = lib.files.slice(0, ASKED);
      const answers: { path: string; status: number; code?: string; servedDamaged: boolean; duringCheck: boolean }[] = [];
      let next = 0;
      const fetchOne = async (): Promise<void> => {
        while (next < asked.length) {
          const f = asked[next++]!;
          const path = `/content/v1/files/${f.path}`;
          // As a seat does: a 503 (STARTING, VERIFYING) is asked again, sooner than its Retry-After, until 200 or 404.
          for (let status = 503; status === 503; ) {
            const r = await fetch(`${early.url}${path}`, { headers: signContentRequest(lruKey, SERIAL, 'GET', path, Date.now()) });
            const body = Buffer.from(await r.arrayBuffer());
            const duringCheck = !REHASHED.test(child.stdout());
            const code = r.status === 200 ? undefined : (JSON.parse(body.toString()) as { error: { code: string } }).error.code;
            answers.push({ path: f.path, status: r.status, ...(code ? { code } : {}), servedDamaged: r.status === 200 && sha(body) !== f.sha256, duringCheck });
            status = r.status;
            if (status === 503) await new Promise((r) => setTimeout(r, 50));
          }
        }
      };
      await Promise.all([fetchOne(), fetchOne(), fetchOne(), fetchOne()]);

      assert.deepEqual(answers.filter((a) => a.servedDamaged).map((a) => a.path), [], 'no damaged bytes left the controller');
      const kinds = new Set(answers.map((a) => (a.status === 200 ? '200' : `${a.status} ${a.code}`)));
      for (const k of kinds) assert.ok(['200', '404 NO_SUCH_FILE', '503 STARTING', '503 VERIFYING'].includes(k), `unexpected answer ${k}`);
      const served = answers.filter((a) => a.status === 200);
      assert.ok(served.every((a) => !damaged.has(a.path)), 'a damaged file was never answered 200');
      assert.ok(answers.some((a) => a.duringCheck), 'some requests were answered while the re-hash was still running');
      const during = answers.filter((a) => a.duringCheck).map((a) => (a.status === 200 ? '200' : `${a.status} ${a.code}`));
      const tally = JSON.stringify(Object.fromEntries([...new Set(during)].map((k) => [k, during.filter((d) => d === k).length])));
      t.diagnostic(`answers while the re-hash ran: ${tally}; after it: ${answers.length - during.length}`);
      assert.ok(served.some((a) => a.duringCheck), `verified files were served while the re-hash was still running; during it: ${tally}`);
    } finally {
      await child.stop();
      await reap(child);
      await tmp.remove();
    }
  });
});
