import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runUntilExit } from './run-cli.js';

/**
 * These services start after seats are answered, so the exit comes after the
 * start up to seats (1-4 s on this 2-core machine under the suite's load), then
 * the failure: the console's at once, TFTP's when its worker thread has loaded
 * (seconds under tsx). Bounded from the process's first line; the figure is printed.
 */
const EXIT_WITHIN_MS = { console: 10_000, tftp: 15_000 };


describe('purser run: a configured port in use at the first start exits 1, naming the key', { timeout: 120_000 }, () => {
  let dir: string;
  let tcp: Server;
  let udp: Socket;
  let tcpPort = 0;
  let udpPort = 0;
  const write = async (name: string, cfg: Record<string, unknown>) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(cfg));
    return path;
  };
  const base = (state: string) => ({
    stateDir: join(dir, state),
    http: { host: '127.0.0.1', port: 0 },
    commands: { port: 20000 + Math.floor(Math.random() * 20000) },
    tftp: { port: 0 },
    console: { port: 0 },
    vlc: { enabled: false },
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'purser-portclash-'));
    tcp = createServer();
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    tcpPort = (tcp.address() as { port: number }).port;
    udp = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((r) => udp.bind({ port: 0, address: '127.0.0.1', exclusive: true }, r));
    udpPort = udp.address().port;
  });
  after(async () => {
    tcp.close();
    udp.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('tftp.port in use: exit 1, naming tftp.port and the port', async () => {
    const r = await runUntilExit(await write('tftp.json', { ...base('tftp'), tftp: { port: udpPort } }));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`purser: start failed: tftp\\.port ${udpPort}: address 127\\.0\\.0\\.1:${udpPort} is in use`));
    assert.ok(r.ms < EXIT_WITHIN_MS.tftp, `exited ${r.ms} ms after it spoke`);
    console.log(`tftp.port clash: exited ${r.ms} ms after its first line`);
  });

  it('console.port in use: exit 1, naming console.port and the port', async () => {
    const r = await runUntilExit(await write('console.json', { ...base('console'), console: { port: tcpPort } }));
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`purser: start failed: console\\.port ${tcpPort}: address 127\\.0\\.0\\.1:${tcpPort} is in use`));
    assert.ok(r.ms < EXIT_WITHIN_MS.console, `exited ${r.ms} ms after it spoke`);
    console.log(`console.port clash: exited ${r.ms} ms after its first line`);
  });
});
