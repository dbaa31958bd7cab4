import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { command as firmwareCli } from '../../src/cli/commands/firmware.js';
import type { RolloutDetail } from '../../src/firmware/rollout/view.js';
import { SimFirmware } from '../../src/sim/firmware/sim-firmware.js';
import { Simulator } from '../../src/sim/simulator.js';
import { TEST_SECRET } from '../helpers/controller.js';
import { TEST_TOKEN } from '../helpers/commands.js';
import { startFirmwareController, writeImage, type FirmwareController } from '../firmware-rollout/controller.js';

// A real controller (HTTP, command log, TFTP server), real files and twelve simulated seats
// that fetch by TFTP, verify, flash and reboot: what a technician does at the gate.
const SEATS = 12;
const opts = { timeout: 90_000 };

async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const { port } = s.address();
    s.close();
    return port;
  }
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

let work: string;
let stateDir: string;
let config: Record<string, unknown>;
let fc: FirmwareController;
let sim: Simulator;
let fw: SimFirmware;

/** The CLI, in-process, against the test controller; console output is kept from the test log. */
async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const log = console.log;
  let out = '';
  console.log = (...a: unknown[]) => void (out += `${a.join(' ')}\n`);
  try {
    const code = await firmwareCli.run([...args, '--controller', fc.url, '--token', TEST_TOKEN]);
    return { code, out };
  } finally {
    console.log = log;
  }
}

async function waitFor(id: number, done: (r: RolloutDetail) => boolean, ms = 60_000): Promise<RolloutDetail> {
  const deadline = performance.now() + ms;
  for (;;) {
    const { body } = await fc.api<{ rollout: RolloutDetail }>('GET', `/api/v1/rollouts/${id}`);
    if (done(body.rollout)) return body.rollout;
    if (performance.now() > deadline) throw new Error(`rollout ${id} still ${body.rollout.state}: ${JSON.stringify(body.rollout.totals)}`);
    await sleep(100);
  }
}

const stopped = (r: RolloutDetail) => r.state !== 'running';
const firmwareOf = (seat: string) => fc.controller.ctx.registry.get(seat)?.lru?.firmware;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'purser-fw-e2e-'));
  stateDir = join(work, 'state');
  // Fixed ports, so the restart test can bring the controller back where the seats look for it.
  config = { http: { host: '127.0.0.1', port: await freePort('tcp') }, tftp: { host: '127.0.0.1', port: await freePort('udp') }, cabin: { secret: TEST_SECRET, pollIntervalMs: 200 } };
  fc = await startFirmwareController(config, stateDir);
  for (const [version, size] of [['2.5.0', 700_001], ['2.6.0', 300_000], ['2.7.0', 200_000]] as const) {
    const { path } = await writeImage(work, `gp3-${version}.img`, size);
    const res = await cli('import', path, '--model', 'gp3', '--version', version);
    assert.equal(res.code, 0, res.out);
  }
  const listed = await cli('list');
  assert.match(listed.out, /gp3\s+2\.7\.0\s+0\.2 MiB\s+ready/);
  sim = new Simulator({ controller: fc.url, secret: Buffer.from(TEST_SECRET, 'hex'), seats: SEATS, pollIntervalMs: 200 });
  fw = new SimFirmware(sim, { controller: fc.url, timing: { verifyMs: 20, flashMs: 100, rebootingMs: 450, bootMs: 200 }, tftp: { timeoutMs: 300 } });
  sim.start();
  while (fc.controller.ctx.registry.onlineCount() < SEATS) await sleep(50);
});

after(async () => {
  fw?.stop();
  await sim?.stop();
  await fc?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('firmware rollout end to end', () => {
  it('rolls 2.5.0 out to every seat: canary of 2, then batches of 5; each seat reboots into it', opts, async () => {
    const told: string[][] = [];
    const sub = fc.controller.ctx.bus.events$.subscribe((e) => {
      if (e.type === 'command.sent' && e.cmd === 'firmware.update') told.push((e.target as { seats: string[] }).seats);
    });
    // What the technician types; it follows the rollout until it is over.
    const typed = await cli('rollout', 'gp3', '2.5.0', '--seats', 'all', '--canary', '2', '--batch', '5', '--on-ground');
    sub.unsubscribe();
    assert.equal(typed.code, 0, typed.out);
    assert.match(typed.out, /rollout \d+: gp3 2\.5\.0, COMPLETED/);
    const id = Number(/rollout (\d+)/.exec(typed.out)![1]);
    const r = (await fc.api<{ rollout: RolloutDetail }>('GET', `/api/v1/rollouts/${id}`)).body.rollout;

    assert.equal(r.state, 'completed', r.reason);
    assert.equal(r.reason, `${SEATS} updated, 0 already on 2.5.0, 0 failed, ${300 - SEATS} skipped`);
    assert.deepEqual(r.groups.map((g) => `${g.kind}:${g.seats}:${g.status}`), ['canary:2:passed', 'batch:5:passed', 'batch:5:passed']);
    for (const p of sim.players) {
      assert.equal(p.model.lru.firmware, '2.5.0', p.seat);
      assert.equal(firmwareOf(p.seat), '2.5.0', `the controller sees ${p.seat} on 2.5.0`);
    }
    assert.deepEqual(told[0], r.seats.filter((s) => s.state === 'updated').slice(0, 2).map((s) => s.seat), 'the canary is told first, alone');
    assert.equal(told.flat().length, SEATS, 'each seat told once');
    assert.equal(fw.stats().downloads.completed, SEATS);
  });

  it('halts by itself on a bad batch, says why, and a retry of only the failed seats finishes it', opts, async () => {
    const batch = ['2A', '2B', '2C'];
    fw.inject(batch[0]!, 'corrupt', 1);
    fw.inject(batch[1]!, 'fail-boot', 1);
    fw.inject(batch[2]!, 'crash', 1);
    const started = await fc.api<{ rollout: RolloutDetail }>('POST', '/api/v1/rollouts', {
      model: 'gp3',
      version: '2.6.0',
      target: { all: true },
      canary: 2,
      batchSize: 10,
      retries: 0,
      errorThreshold: { percent: 0, seats: 2 },
      onGround: true,
    });
    const halted = await waitFor(started.body.rollout.id, (r) => stopped(r) && r.inFlight === 0);
    assert.equal(halted.state, 'halted');
    assert.equal(halted.reason, '3 seats failed, more than the 2 the error threshold allows (0 % or 2 seats, whichever is more)');
    const errors = Object.fromEntries(halted.seats.filter((s) => s.state === 'failed').map((s) => [s.seat, s.error]));
    assert.match(errors['2A']!, /^sha256 mismatch/);
    assert.equal(errors['2B'], 'new image failed to boot; rolled back to 2.5.0');
    assert.equal(errors['2C'], 'rebooted still running 2.5.0');
    for (const s of batch) assert.equal(firmwareOf(s), '2.5.0', `${s} is still on its old image`);

    const stats = fw.stats();
    const retry = await cli('retry', String(halted.id));
    assert.equal(retry.code, 0, retry.out);
    const done = await waitFor(halted.id, stopped);
    assert.equal(done.state, 'completed', done.reason);
    assert.equal(done.totals.updated, SEATS);
    assert.equal(fw.stats().attempts - stats.attempts, 3, 'only the three failed seats were told again');
  });

  it('resumes after a controller restart mid-rollout and finishes every seat', opts, async () => {
    const started = await fc.api<{ rollout: RolloutDetail }>('POST', '/api/v1/rollouts', { model: 'gp3', version: '2.7.0', target: { all: true }, canary: 2, batchSize: 5, maxConcurrent: 2, onGround: true });
    const id = started.body.rollout.id;
    await waitFor(id, (r) => r.totals.updated >= 3);
    await fc.stop({ keepState: true });
    await sleep(500); // the seats poll into nothing for a while
    fc = await startFirmwareController(config, stateDir);

    const r = await waitFor(id, stopped);
    assert.equal(r.state, 'completed', r.reason);
    assert.equal(r.totals.updated, SEATS);
    for (const p of sim.players) assert.equal(p.model.lru.firmware, '2.7.0', p.seat);
  });
});
