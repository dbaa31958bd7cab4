import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { firstValueFrom, filter, timeout } from 'rxjs';
import { ReverseTunnel, type TunnelEntity, type TunnelOptions } from '../../src/console/tunnel.js';
import { loadOrCreateKeyPair } from '../../src/console/key-files.js';
import { ssh, startConsole, sshKeygen, tempDir, type Harness } from './helpers.js';
import { GroundSshd } from './sshd.js';

/** A TCP relay to the ground host that, while `silent`, swallows every byte both ways and keeps the connections open: a link gone dead. */
async function silentLink(to: number): Promise<{ port: number; silent: boolean; close(): void }> {
  const socks = new Set<Socket>();
  const link = { port: 0, silent: false, close: () => (server.close(), socks.forEach((s) => s.destroy())) };
  const server = createServer((c) => {
    const u = netConnect(to, '127.0.0.1');
    socks.add(c).add(u);
    const end = () => (c.destroy(), u.destroy(), socks.delete(c), socks.delete(u));
    c.on('data', (d: Buffer) => void (link.silent || u.write(d)));
    u.on('data', (d: Buffer) => void (link.silent || c.write(d)));
    for (const s of [c, u]) s.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  link.port = (server.address() as AddressInfo).port;
  return link;
}

const until = (t: ReverseTunnel, pred: (e: TunnelEntity) => boolean, ms = 15_000) =>
  firstValueFrom(t.state$.pipe(filter(pred), timeout(ms)));

describe('reverse tunnel through a real sshd', () => {
  let h: Harness;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let sshd: GroundSshd;
  const tunnels: ReverseTunnel[] = [];

  before(async () => {
    h = await startConsole();
    tmp = await tempDir('purser-ground-');
    // The tunnel's key is made in its state dir first, as on the aircraft, then given to the ground host.
    const pair = await loadOrCreateKeyPair(join(tmp.dir, 'aircraft'), 'tunnel_ed25519', 'purser-tunnel');
    sshd = new GroundSshd(tmp.dir);
    await sshd.prepare(pair.publicKey);
    await sshd.start();
  });
  after(async () => {
    for (const t of tunnels) await t.stop();
    await sshd?.stop();
    await h?.stop();
    await tmp?.cleanup();
  });

  const tunnel = (o: Partial<TunnelOptions> = {}) => {
    const t = new ReverseTunnel({
      host: '127.0.0.1',
      port: sshd.port,
      username: 'root',
      stateDir: join(tmp.dir, 'aircraft'),
      hostKey: sshd.hostPub,
      remotePort: 0,
      localPort: () => h.server.port,
      allowed: () => true,
      gateCheckMs: 100,
      keepaliveIntervalMs: 1000,
      backoff: { initialMs: 200, maxMs: 800 },
      log: { info: () => undefined, warn: () => undefined },
      ...o,
    });
    tunnels.push(t);
    return t;
  };

  it('comes up, and a support engineer reaches the console through it and runs seats', async () => {
    const t = tunnel();
    await t.start();
    const up = await until(t, (e) => e.state === 'up');
    assert.ok(up.attributes.remotePort && up.attributes.remotePort > 0);
    assert.equal(up.attributes.connects, 1);
    // The forwarded port listens on the ground host; we are "the ground" here.
    const r = await ssh(['-i', h.tech.path, '-p', String(up.attributes.remotePort), 'tech@127.0.0.1', 'seats', '--zone', 'A']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '12A ok\n');
    await t.stop();
    assert.equal(t.value.state, 'disabled');
  });

  it('closes when the gate turns false, reporting why, and reopens when it turns true', async () => {
    let onGround: boolean | string = true;
    const t = tunnel({ allowed: () => onGround });
    await t.start();
    const up = await until(t, (e) => e.state === 'up');
    onGround = 'flight phase is climb';
    const waiting = await until(t, (e) => e.state === 'waiting-for-ground', 3000);
    assert.equal(waiting.attributes.lastError, 'gate closed: flight phase is climb');
    const r = await ssh(['-i', h.tech.path, '-p', String(up.attributes.remotePort), 'tech@127.0.0.1', 'health'], { timeoutMs: 8000 });
    assert.notEqual(r.code, 0, 'the forwarded port is gone');
    onGround = true;
    const again = await until(t, (e) => e.state === 'up');
    assert.equal(again.attributes.connects, 2);
    await t.stop();
  });

  it('backs off while sshd is down and comes back when it returns', async () => {
    const t = tunnel();
    await t.start();
    await until(t, (e) => e.state === 'up');
    await sshd.stop();
    const down = await until(t, (e) => e.state === 'backoff', 8000);
    assert.ok(down.attributes.lastError, 'a reason is given');
    // Several failed dials while it is away, each followed by backoff.
    await new Promise((r) => setTimeout(r, 1200));
    assert.notEqual(t.value.state, 'up');
    await sshd.start();
    const back = await until(t, (e) => e.state === 'up', 10_000);
    assert.equal(back.attributes.connects, 2);
    const r = await ssh(['-i', h.tech.path, '-p', String(back.attributes.remotePort), 'tech@127.0.0.1', 'health']);
    assert.equal(r.stdout, 'all ok\n');
    await t.stop();
  });

  it('notices an unreachable ground host coming back by probing, without waiting out a long backoff', async () => {
    // A backoff of up to a minute: only the probe can bring it back within seconds.
    const t = tunnel({ backoff: { initialMs: 60_000, maxMs: 60_000 }, random: () => 1, probeIntervalMs: 100 });
    await sshd.stop();
    await t.start();
    await until(t, (e) => e.state === 'backoff' && /ECONNREFUSED/.test(e.attributes.lastError ?? ''), 8000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(t.value.state, 'backoff', 'still down while sshd is');
    await sshd.start();
    const t0 = performance.now();
    await until(t, (e) => e.state === 'up', 5000);
    assert.ok(performance.now() - t0 < 3000, `up ${Math.round(performance.now() - t0)} ms after sshd listened`);
    await t.stop();
  });

  it('does not probe its way past a refusal once connected (a wrong key waits out its backoff)', async () => {
    const other = await sshKeygen(tmp.dir, 'impostor2');
    const t = tunnel({ hostKey: other.pub, backoff: { initialMs: 60_000, maxMs: 60_000 }, random: () => 1, probeIntervalMs: 50 });
    await t.start();
    await until(t, (e) => e.state === 'backoff');
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(t.value.state, 'backoff', 'no new handshake within the backoff');
    await t.stop();
  });

  it('declares a ground host that goes silent (without closing) down within keepalive time, and comes back when it speaks again', async () => {
    const link = await silentLink(sshd.port);
    try {
      const t = tunnel({ port: link.port, keepaliveIntervalMs: 300, keepaliveCountMax: 2, readyTimeoutMs: 1500, backoff: { initialMs: 100, maxMs: 300 } });
      await t.start();
      await until(t, (e) => e.state === 'up');
      link.silent = true;
      const t0 = performance.now();
      const down = await until(t, (e) => e.state === 'backoff', 8000);
      const took = performance.now() - t0;
      // 300 ms x (2 missed + the one that notices), plus a loaded machine's margin; the TCP connection itself never closed.
      assert.ok(took < 300 * 3 + 1500, `declared down after ${Math.round(took)} ms`);
      assert.match(down.attributes.lastError ?? '', /keepalive/i);
      await new Promise((r) => setTimeout(r, 600));
      assert.notEqual(t.value.state, 'up', 'not up while the link stays silent');
      link.silent = false;
      const back = await until(t, (e) => e.state === 'up', 10_000);
      assert.equal(back.attributes.connects, 2);
      await t.stop();
    } finally {
      link.close();
    }
  });

  it('refuses a ground host whose key is not the pinned one, with a clear reason', async () => {
    const other = await sshKeygen(tmp.dir, 'impostor');
    const t = tunnel({ hostKey: other.pub });
    await t.start();
    const refused = await until(t, (e) => e.state === 'backoff');
    assert.match(refused.attributes.lastError ?? '', /^ground host key mismatch: 127\.0\.0\.1:\d+ presented SHA256:\S+, pinned is SHA256:\S+$/);
    assert.equal(refused.attributes.connects, 0);
    await t.stop();
  });

  it('waits for the ground without dialing while the gate is closed from the start', async () => {
    const t = tunnel({ allowed: () => false });
    await t.start();
    assert.equal(t.value.state, 'waiting-for-ground');
    assert.equal(t.value.attributes.lastError, 'gate closed: not allowed now');
    await t.stop();
  });
});
