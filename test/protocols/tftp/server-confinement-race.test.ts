import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { download, makeRoot, startServer } from './helpers.js';

// The outside file has the same name and size as the one inside, so a leak is a complete,
// well-formed transfer: only its bytes tell it apart.
const SECRET = Buffer.alloc(1500, 'outside-the-root-secret|');

/**
 * A second process swaps `root/fw` between the real directory and a symlink to the outside
 * directory as fast as it can, so the swap lands between any two of the server's system calls.
 */
const SWAPPER = `
const fs = require('node:fs');
const [fw, parked, outside] = process.argv.slice(1);
for (;;) {
  try { fs.renameSync(fw, parked); fs.symlinkSync(outside, fw); fs.unlinkSync(fw); fs.renameSync(parked, fw); } catch {}
}`;

describe('TFTP server: confinement while a directory of the root is swapped for a symlink', () => {
  let root: Awaited<ReturnType<typeof makeRoot>>;
  let swapper: ReturnType<typeof spawn> | undefined;

  before(async () => {
    root = await makeRoot({ 'fw/a.img': 1500 });
    await mkdir(join(root.dir, 'outside'));
    await writeFile(join(root.dir, 'outside', 'a.img'), SECRET);
  });
  after(async () => {
    if (swapper && swapper.exitCode === null) {
      const exited = new Promise((r) => swapper!.once('exit', r));
      swapper.kill('SIGKILL');
      await exited;
    }
    await root.cleanup();
  });

  it('serves no byte from outside in thousands of downloads racing the swap', { timeout: 60_000 }, async () => {
    const { server, port } = await startServer({ root: root.root });
    try {
      swapper = spawn(process.execPath, ['-e', SWAPPER, join(root.root, 'fw'), join(root.root, 'fw.parked'), join(root.dir, 'outside')], { stdio: 'ignore' });
      await sleep(100);
      const inside = root.content.get('fw/a.img')!;
      const counts = { inside: 0, outside: 0, refused: 0 };
      const until = performance.now() + 3000;
      const worker = async () => {
        while (performance.now() < until) {
          try {
            const { data } = await download(port, 'fw/a.img', { timeoutMs: 1000 });
            if (data.equals(SECRET)) counts.outside++;
            else if (data.equals(inside)) counts.inside++;
            else assert.fail(`neither file: ${data.length} bytes`);
          } catch (err) {
            if ((err as Error).message.includes('neither file')) throw err;
            counts.refused++; // not found or access violation while the swap is half done
          }
        }
      };
      await Promise.all(Array.from({ length: 24 }, worker));
      const total = counts.inside + counts.outside + counts.refused;
      assert.ok(total >= 300, `only ${total} transfers: the race was not exercised (${JSON.stringify(counts)})`);
      assert.ok(counts.inside > 0 && counts.refused > 0, `both states of the swap were seen: ${JSON.stringify(counts)}`);
      assert.equal(counts.outside, 0, `transfers that leaked the outside file: ${JSON.stringify(counts)}`);
    } finally {
      await server.stop();
    }
  });
});
