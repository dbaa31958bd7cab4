import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { filter, firstValueFrom } from 'rxjs';
import { startSerialPort } from '../../hardware/serial/supervised-port.js';
import type { ReadWriteSerialPort } from '../../hardware/serial/types.js';
import { INPUTS } from '../../protocols/display-control/nec-messages.js';
import { MonitorDriver } from '../../src/monitors/monitor-driver.js';
import { SimulatedMonitor } from '../../src/monitors/simulated-monitor.js';
import type { MonitorEntity, MonitorFaultEvent } from '../../src/monitors/types.js';
import { PtyPair, tempDir, waitFor } from '../hardware/serial/pty-pair.js';

const FAST_BACKOFF = { initialMs: 50, maxMs: 200 };

/** Controller on link A (driver), simulated monitor on link B, both through the serial port manager. */
async function rig(dir: string, name: string, opts: { power?: 'on' | 'off'; pollIntervalMs?: number } = {}) {
  const pair = await PtyPair.start(dir, [`${name}-A`, `${name}-B`]);
  const ctl = startSerialPort({ id: `serial.${name}`, path: pair.a, baudRate: 9600, mode: 'read-write', backoff: FAST_BACKOFF }) as ReadWriteSerialPort;
  const line = startSerialPort({ id: `sim.${name}`, path: pair.b, baudRate: 9600, mode: 'read-write', backoff: FAST_BACKOFF }) as ReadWriteSerialPort;
  await waitFor('both ends open', () => ctl.snapshot().state === 'ok' && line.snapshot().state === 'ok');
  const sim = new SimulatedMonitor({ monitorId: 3, port: line, power: opts.power ?? 'off', input: 'dvi', replyDelayMs: 20 });
  sim.start();
  const faults: MonitorFaultEvent[] = [];
  const driver = new MonitorDriver({
    id: `monitor.${name}`,
    monitorId: 3,
    port: ctl,
    pollIntervalMs: opts.pollIntervalMs ?? 0,
    replyTimeoutMs: 250,
    onFault: (e) => faults.push(e),
  });
  driver.start();
  const stop = async () => {
    driver.stop();
    sim.stop();
    await ctl.stop();
    await line.stop();
    await pair.kill();
  };
  return { pair, ctl, line, sim, driver, faults, stop };
}

describe('monitor driver against the simulated NEC monitor over a pty pair', () => {
  let dir: string;
  const stops: Array<() => Promise<void>> = [];
  before(async () => {
    dir = await tempDir('purser-monitor-');
  });
  afterEach(async () => {
    for (const s of stops.splice(0)) await s().catch(() => undefined);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('powers the monitor on, reads its status and switches its input', async () => {
    const r = await rig(dir, 'basic');
    stops.push(r.stop);
    assert.equal(r.driver.snapshot().state, 'unknown');

    const status = await r.driver.poll();
    assert.ok(status.ok);
    assert.equal(r.driver.snapshot().state, 'standby');
    assert.equal(r.driver.snapshot().attributes.power, 'off');

    assert.ok((await r.driver.powerOn()).ok);
    assert.equal(r.sim.power, 'on', 'the monitor itself is on');
    assert.equal(r.driver.snapshot().state, 'on');

    assert.ok((await r.driver.poll()).ok);
    assert.equal(r.driver.snapshot().attributes.input, 'dvi', 'the poll reads the input back');

    assert.ok((await r.driver.selectInput('hdmi')).ok);
    assert.equal(r.sim.input, INPUTS.hdmi);
    assert.equal(r.driver.snapshot().attributes.input, 'hdmi');
    assert.equal(r.driver.snapshot().attributes.inputCode, 0x11);

    assert.ok((await r.driver.powerOff()).ok);
    assert.equal(r.sim.power, 'off');
    assert.equal(r.driver.snapshot().state, 'standby');
    assert.deepEqual(r.faults, []);
    // Frames are reported to the port entity.
    assert.ok(r.ctl.snapshot().attributes.frames >= 5);
  });

  it('sends one command at a time even when callers do not wait', async () => {
    const r = await rig(dir, 'queue', { power: 'on' });
    stops.push(r.stop);
    const results = await Promise.all([r.driver.selectInput('vga'), r.driver.poll(), r.driver.selectInput('displayport'), r.driver.powerOff()]);
    assert.ok(results.every((x) => x.ok), JSON.stringify(results));
    assert.equal(r.sim.overlaps, 0, 'no command arrived while the previous one was unanswered');
    assert.deepEqual(
      r.sim.received.map((c) => c.kind),
      ['set-parameter', 'power-status-read', 'get-parameter', 'set-parameter', 'power-control'],
    );
    assert.equal(r.sim.input, INPUTS.displayport);
  });

  it('a monitor that stops answering is MONITOR_NO_REPLY; answering again clears it', async () => {
    const r = await rig(dir, 'silent', { power: 'on', pollIntervalMs: 300 });
    stops.push(r.stop);
    await firstValueFrom(r.driver.state$.pipe(filter((s) => s.state === 'on')));

    r.sim.injectFault('silent');
    const noReply = await firstValueFrom(r.driver.state$.pipe(filter((s: MonitorEntity) => s.state === 'no-reply')));
    assert.deepEqual(noReply.attributes.faults, ['MONITOR_NO_REPLY']);
    const raised = r.faults.find((f) => f.type === 'raised');
    assert.equal(raised?.fault.code, 'MONITOR_NO_REPLY');
    assert.equal(raised?.fault.monitor, 'monitor.silent');
    const cmd = await r.driver.powerOff();
    assert.ok(!cmd.ok && cmd.fault.code === 'MONITOR_NO_REPLY');
    assert.equal(r.sim.power, 'on');

    r.sim.injectFault('none');
    const back = await firstValueFrom(r.driver.state$.pipe(filter((s) => s.state === 'on')));
    assert.deepEqual(back.attributes.faults, []);
    assert.deepEqual(r.faults.map((f) => `${f.type}:${f.fault.code}`), ['raised:MONITOR_NO_REPLY', 'cleared:MONITOR_NO_REPLY']);
  });

  it('an error reply is a fault with its result code, cleared when the command succeeds', async () => {
    const r = await rig(dir, 'nak', { power: 'off' });
    stops.push(r.stop);
    const res = await r.driver.selectInput('hdmi'); // an NEC monitor refuses input changes in standby
    assert.ok(!res.ok);
    assert.equal(res.fault.code, 'MONITOR_UNSUPPORTED');
    assert.equal(res.fault.resultCode, 1);
    assert.equal(res.fault.command, 'input-select');
    assert.deepEqual(r.driver.snapshot().attributes.faults, ['MONITOR_UNSUPPORTED']);
    assert.ok((await r.driver.powerOn()).ok);
    assert.ok((await r.driver.selectInput('hdmi')).ok);
    assert.deepEqual(r.driver.snapshot().attributes.faults, []);
    assert.equal(r.faults.at(-1)?.type, 'cleared');
  });

  it('bad checksums and garbage are refused and counted on the port, and end as no reply', async () => {
    const r = await rig(dir, 'noise', { power: 'on' });
    stops.push(r.stop);
    assert.ok((await r.driver.poll()).ok);
    for (const fault of ['bad-checksum', 'garbage'] as const) {
      r.sim.injectFault(fault);
      const errorsBefore = r.ctl.snapshot().attributes.errors;
      const res = await r.driver.poll();
      assert.ok(!res.ok && res.fault.code === 'MONITOR_NO_REPLY', fault);
      assert.ok(r.ctl.snapshot().attributes.errors > errorsBefore, `${fault} counted as port errors`);
      assert.equal(r.driver.snapshot().attributes.power, 'on', 'a refused reply changes nothing');
    }
    r.sim.injectFault('none');
    assert.ok((await r.driver.poll()).ok);
    assert.equal(r.driver.snapshot().state, 'on');
  });

  it('a dead serial line is MONITOR_PORT_DOWN, and the driver recovers when the line comes back', async () => {
    const r = await rig(dir, 'line', { power: 'on' });
    stops.push(r.stop);
    assert.ok((await r.driver.poll()).ok);
    await r.pair.kill();
    await waitFor('port down', () => r.ctl.snapshot().state === 'down', 15_000);
    const res = await r.driver.poll();
    assert.ok(!res.ok && res.fault.code === 'MONITOR_PORT_DOWN');
    assert.equal(r.driver.snapshot().state, 'no-reply');
    await r.pair.restart();
    await waitFor('both ends reopened', () => r.ctl.snapshot().state === 'ok' && r.line.snapshot().state === 'ok');
    assert.ok((await r.driver.poll()).ok);
    assert.equal(r.driver.snapshot().state, 'on');
  });
});
