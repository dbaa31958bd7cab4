// The tunnel's flight-phase gate in a real controller: the ground gate is the
// avionics feature's own (PhaseGroundGate over an AvionicsPipeline fed real
// encoded ARINC 429 words on virtual time, test/avionics/sim.ts), the ground
// host a real sshd. What is proven: the gate keeps the tunnel shut with its
// reason, the manual flag is refused (409), the tunnel opens when the phase
// says gate, and closes the moment the gate's changes$ fires.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PhaseGroundGate } from '../../src/avionics/ground-gate.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { consoleFeature } from '../../src/console/feature.js';
import { loadOrCreateKeyPair } from '../../src/console/key-files.js';
import type { Feature } from '../../src/contract/feature.js';
import { FlightSim } from '../avionics/sim.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { tempDir } from './helpers.js';
import { freePort, GroundSshd } from './sshd.js';

/** The first bytes a TCP connection to `port` reads: an SSH banner when the tunnel's forward is there, null when refused. */
const banner = (port: number) =>
  new Promise<string | null>((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.setTimeout(5000, () => (c.destroy(), resolve(null)));
    c.once('data', (d: Buffer) => (c.destroy(), resolve(d.toString('latin1'))));
    c.once('error', () => resolve(null));
    c.once('close', () => resolve(null));
  });

describe('the tunnel gated by the flight phase (the avionics ground gate)', () => {
  let tc: TestController;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let sshd: GroundSshd;
  let remotePort: number;
  const sim = new FlightSim();
  const gate = new PhaseGroundGate(sim.pipeline, 'weightOnWheels', () => null);
  // Stands in for the avionics feature's setup: the same capability, from the same class, without the serial ports.
  const flightPhase: Feature = { name: 'flight-phase', setup: () => ({ provides: { groundGate: gate } }) };

  const entity = () => tc.controller.ctx.entities.get('tunnel:ground')!;
  const api = async (method: string, body?: unknown) => {
    const res = await fetch(`${tc.url}/api/v1/tunnel`, {
      method,
      headers: { authorization: `Bearer ${TEST_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { allowed?: boolean; gate?: string; reason?: string; error?: { code: string; message: string } } };
  };

  before(async () => {
    tmp = await tempDir('purser-tunnel-gate-');
    const stateDir = join(tmp.dir, 'state');
    const tunnelKey = await loadOrCreateKeyPair(stateDir, 'tunnel_ed25519', 'purser-tunnel');
    sshd = new GroundSshd(tmp.dir);
    await sshd.prepare(tunnelKey.publicKey);
    await sshd.start();
    remotePort = await freePort();
    tc = await startTestController(
      {
        api: { token: TEST_TOKEN },
        commands: { port: randomPort() },
        console: { port: 0 },
        tunnel: { enabled: true, host: '127.0.0.1', port: sshd.port, user: 'root', hostKey: sshd.hostPub, remotePort, retryInitialMs: 200, retryMaxMs: 1000, probeIntervalMs: 200 },
      },
      [commandsFeature(), flightPhase, consoleFeature()],
      stateDir,
    );
  });

  after(async () => {
    await tc?.stop();
    await sshd?.stop();
    await tmp?.cleanup();
  });

  it('refuses with the flight phase\'s reason, and a manual on-ground flag cannot override it (409)', async () => {
    assert.equal(sim.phase().phase, 'unknown', 'no avionics words yet');
    assert.equal(entity().state, 'waiting-for-ground');
    assert.match(String(entity().attributes.lastError), /^gate closed: the maintenance tunnel waits: the flight phase is unknown/);
    const view = await api('GET');
    assert.equal(view.body.gate, 'flight-phase');
    assert.equal(view.body.allowed, false);
    assert.match(view.body.reason ?? '', /flight phase is unknown/);
    const forced = await api('POST', { onGround: true });
    assert.equal(forced.status, 409);
    assert.equal(forced.body.error?.code, 'GATE_FROM_FLIGHT_PHASE');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(entity().state, 'waiting-for-ground', 'the refused flag opened nothing');
    assert.equal(await banner(remotePort), null, 'nothing listens on the ground host');
  });

  it('opens once the phase is gate, and closes the moment weight comes off the wheels (changes$, not the next gate check)', async () => {
    sim.hold(20, { alt: 100, gs: 0, wow: true });
    assert.equal(sim.phase().phase, 'gate');
    assert.equal((await api('GET')).body.allowed, true);
    const end = Date.now() + 10_000;
    while (entity().state !== 'up' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(entity().state, 'up', JSON.stringify(entity()));
    assert.match((await banner(remotePort)) ?? '', /^SSH-2\.0-/, "the console's banner through the ground host");

    // One raw "weight off wheels" word: the gate's changes$ fires, and the tunnel is down before this line returns.
    sim.state.wow = false;
    sim.second();
    assert.equal(entity().state, 'waiting-for-ground');
    assert.match(String(entity().attributes.lastError), /^gate closed: the maintenance tunnel waits: weight on wheels just went off/);
    assert.equal(await banner(remotePort), null, 'the forwarded port is gone from the ground host');
  });
});
