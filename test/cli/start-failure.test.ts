import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runUntilExit } from './run-cli.js';

/** The exit must come within 5 s of the start being refused; tsx's own start-up on a busy machine is on top. */
const EXIT_WITHIN_MS = 5000;


/** It said why, then exited within EXIT_WITHIN_MS: a process that prints its error and hangs fails here. */
function assertExitedSoon(r: { out: string; ms: number }): void {
  assert.ok(r.out.trim().length > 0, 'it said nothing before exiting');
  assert.ok(r.ms < EXIT_WITHIN_MS, `exited ${r.ms} ms after it spoke`);
}

describe('purser run: a start that fails exits, naming the key', { timeout: 120_000 }, () => {
  let dir: string;
  let busy: ReturnType<typeof createServer>;
  let busyPort = 0;
  const write = async (name: string, cfg: Record<string, unknown>) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(cfg));
    return path;
  };
  const base = () => ({ stateDir: join(dir, 'state'), http: { host: '127.0.0.1', port: 0 }, commands: { port: 20000 + Math.floor(Math.random() * 20000) }, tftp: { port: 0 } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-startfail-'));
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    busyPort = (busy.address() as { port: number }).port;
  });
  after(async () => {
    busy.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('http.port in use: exit 1, naming http.port and the port', async () => {
    const r = await runUntilExit(await write('port.json', { ...base(), http: { host: '127.0.0.1', port: busyPort } }));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`http\\.port ${busyPort}: address .*in use`));
    assertExitedSoon(r);
  });

  it('a malformed crew PIN hash: exit 78 (config), naming panel.crewPinHash', async () => {
    const r = await runUntilExit(await write('hash.json', { ...base(), panel: { crewPinHash: 'not-a-hash' } }));
    assert.equal(r.code, 78, r.out);
    assert.match(r.out, /panel\.crewPinHash/);
    assertExitedSoon(r);
  });

  it('a multicast group that is no address: exit 78, saying what is expected in words', async () => {
    const r = await runUntilExit(await write('group.json', { ...base(), commands: { group: '239.999.0.1' } }));
    assert.equal(r.code, 78, r.out);
    assert.match(r.out, /commands\.group/);
    assert.doesNotMatch(r.out, /must match pattern/);
    assertExitedSoon(r);
  });

  it('a file without stateDir: exit 78, naming stateDir', async () => {
    const { stateDir: _, ...rest } = base();
    const r = await runUntilExit(await write('nostate.json', rest));
    assert.equal(r.code, 78, r.out);
    assert.match(r.out, /stateDir/);
    assertExitedSoon(r);
  });
});
