import assert from 'node:assert/strict';
import { readdir, readlink, rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Observable } from 'rxjs';
import type { Alert } from '../../src/alerts/alert.js';
import { ConfigError, validateConfig } from '../../src/app/config.js';
import { avionicsFeature } from '../../src/avionics/feature.js';
import { IoModulePoller } from '../../src/avionics/io-module.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { panelFeature } from '../../src/panel/feature.js';
import { SimulatedIoModule } from '../../src/sim/avionics/simulated-io-module.js';
import { SerialPortManager } from '../../hardware/serial/index.js';
import { encodeReadInputs } from '../../protocols/modbus-rtu/index.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { buildTestPanel } from '../panel/harness.js';
import { FarEnd, PtyPair, sleep, tempDir, waitFor } from '../hardware/serial/pty-pair.js';

/**
 * The Modbus RTU discrete I/O module driver in a real controller: the module
 * is a SimulatedIoModule (unit 5) on the far end of a socat pty pair, the
 * controller polls it read-write through hardware/serial, and its inputs
 * DI0 (PA keyline) and DI2 (door) become the discretes the crew see.
 */

let dir: string;
let adc: PtyPair;
let io: PtyPair;
let ioEnd: FarEnd;
let tc: TestController;
let mod: SimulatedIoModule;
let panel: { webRoot: string; remove(): Promise<void> } | undefined;

function fromPort(f: FarEnd): Observable<Buffer> {
  return new Observable<Buffer>((sub) => {
    const on = (b: Buffer) => sub.next(b);
    f.port.on('data', on);
    return () => f.port.off('data', on);
  });
}

const entity = (id: string) => tc.controller.ctx.entities.get(id);
async function systemAlerts(): Promise<Alert[]> {
  const res = await fetch(`${tc.url}/api/v1/alerts`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  return ((await res.json()) as { alerts: Alert[] }).alerts.filter((a) => a.kind === 'system');
}

const MODULE = { id: 'fwd-io', unit: 5, start: 0, count: 8, pollMs: 50, replyTimeoutMs: 40, maxMisses: 3 };

describe('a Modbus RTU discrete I/O module over a real pty', () => {
  before(async () => {
    dir = await tempDir('purser-iomodule-');
    adc = await PtyPair.start(dir, ['adc', 'adc-far']);
    io = await PtyPair.start(dir, ['io', 'io-far']);
    ioEnd = await FarEnd.open(io.b);
    mod = new SimulatedIoModule({ unit: 5, port: { data$: fromPort(ioEnd), write: (b) => ioEnd.write(b) } });
    mod.start();
    tc = await startTestController(
      {
        api: { token: TEST_TOKEN },
        commands: { port: randomPort(), group: '239.255.10.1' },
        multicast: { interface: '127.0.0.1', ttl: 1 },
        pa: { enabled: false },
        tftp: { host: '127.0.0.1', port: 0 },
        avionics: {
          enabled: true,
          // Nobody speaks ARINC here: the avionics port only has to exist.
          ports: [{ id: 'adc', path: adc.a, silenceMs: 0 }],
          ioModules: [{ ...MODULE, port: io.a }],
          discretes: [
            { name: 'weightOnWheels', label: '270', bit: 11 },
            { name: 'paKeyline', line: 'fwd-io.DI0', debounceMs: 20, staleMs: 500 },
            { name: 'doorOpen', line: 'fwd-io.DI2', debounceMs: 20, staleMs: 500 },
          ],
          tickMs: 50,
        },
      },
      [commandsFeature(), avionicsFeature(), panelFeature({ webRoot: (panel = await buildTestPanel()).webRoot })],
    );
  });

  after(async () => {
    await tc?.stop();
    mod?.stop();
    await ioEnd?.close();
    await adc?.kill();
    await io?.kill();
    await rm(dir, { recursive: true, force: true });
    await panel?.remove();
  });

  it('polls the module and its inputs become the discretes the crew see: the door and the PA keyline', async () => {
    await waitFor('module ok', () => entity('iomodule:fwd-io')?.state === 'ok', 5000);
    await waitFor('door closed, keyline released', () => entity('discrete:doorOpen')?.state === 'off' && entity('discrete:paKeyline')?.state === 'off', 3000);
    const keyline: boolean[] = [];
    const sub = tc.controller.ctx.find('avionics')!.keyline$.subscribe((on) => keyline.push(on));
    mod.set(2, true);
    mod.set(0, true);
    await waitFor('door open', () => entity('discrete:doorOpen')?.state === 'on', 3000);
    await waitFor('keyline on', () => entity('discrete:paKeyline')?.state === 'on' && keyline.includes(true), 3000);
    sub.unsubscribe();
    mod.set(2, false);
    mod.set(0, false);
    await waitFor('door closed again', () => entity('discrete:doorOpen')?.state === 'off', 3000);
    const e = entity('iomodule:fwd-io')!;
    assert.equal(e.kind, 'io-module');
    assert.equal(e.attributes.port, io.a);
    assert.equal(e.attributes.unit, 5);
    assert.ok(Number(e.attributes.polls) > 0 && typeof e.attributes.lastReplyAt === 'number', JSON.stringify(e.attributes));
    assert.equal(e.attributes.crewAlert, undefined);
    assert.equal(entity('discrete:doorOpen')?.attributes.source, 'line fwd-io.DI2');
    // The poll goes out on the wire as the spec says: unit 5, function 2, inputs 0..7.
    assert.ok(ioEnd.bytes().includes(encodeReadInputs({ unit: 5, start: 0, quantity: 8 })));
    assert.equal(entity('serial:iomodule-fwd-io')?.attributes.mode, 'read-write');
  });

  it('a silent module goes no-reply with a crew alert, its inputs unknown; it recovers when it answers again', async () => {
    await waitFor('module ok', () => entity('iomodule:fwd-io')?.state === 'ok', 3000);
    mod.injectFault('silent');
    await waitFor('no-reply', () => entity('iomodule:fwd-io')?.state === 'no-reply', 3000);
    assert.match(String(entity('iomodule:fwd-io')!.attributes.detail), /3 polls in a row without a good reply \(last: no reply within 40 ms\)/);
    const alert = await waitFor('a crew alert', async () => (await systemAlerts()).find((a) => a.code === 'iomodule:fwd-io'), 3000);
    assert.match(alert.text ?? '', /Discrete I\/O module fwd-io does not answer/);
    await waitFor('door unknown (stale)', () => entity('discrete:doorOpen')?.state === 'unknown' && entity('discrete:doorOpen')?.attributes.fault === 'stale', 3000);
    const health = await waitFor('avionics degraded', () => {
      const h = tc.controller.ctx.entities.get('service:avionics');
      return h?.state === 'degraded' && /iomodule:fwd-io no-reply/.test(JSON.stringify(h.attributes)) ? h : null;
    }, 3000);
    assert.ok(health);
    mod.injectFault('none');
    await waitFor('ok again', () => entity('iomodule:fwd-io')?.state === 'ok', 3000);
    await waitFor('the alert resolved', async () => !(await systemAlerts()).some((a) => a.code === 'iomodule:fwd-io'), 3000);
    await waitFor('door known again', () => entity('discrete:doorOpen')?.state === 'off', 3000);
    assert.equal(entity('iomodule:fwd-io')!.attributes.misses, 0);
  });

  it('an exception reply is reported with its code, and nothing it says is applied', async () => {
    await waitFor('module ok', () => entity('iomodule:fwd-io')?.state === 'ok', 3000);
    mod.injectFault('exception', 2);
    await waitFor('exception', () => entity('iomodule:fwd-io')?.state === 'exception', 3000);
    const e = entity('iomodule:fwd-io')!;
    assert.equal(e.attributes.lastExceptionCode, 2);
    assert.equal(e.attributes.lastException, 'illegal data address');
    assert.match(String(e.attributes.crewAlert), /fwd-io refuses the poll \(the module answered exception 2 \(illegal data address\)\)/);
    await waitFor('door unknown', () => entity('discrete:doorOpen')?.state === 'unknown', 3000);
    mod.injectFault('none');
    await waitFor('ok again', () => entity('iomodule:fwd-io')?.state === 'ok' && entity('iomodule:fwd-io')?.attributes.crewAlert === undefined, 3000);
  });

  it('a reply with a corrupted CRC is counted and not applied', async () => {
    await waitFor('door closed, known', () => entity('discrete:doorOpen')?.state === 'off', 3000);
    const avionics = tc.controller.ctx.find('avionics')!;
    const before = avionics.ioModule('fwd-io')!.crcErrors;
    mod.injectFault('bad-crc');
    mod.set(2, true); // the door opens, but only corrupted replies say so
    await waitFor('no-reply on bad CRCs', () => entity('iomodule:fwd-io')?.state === 'no-reply', 3000);
    assert.match(String(entity('iomodule:fwd-io')!.attributes.detail), /bad CRC, nothing applied/);
    assert.ok(avionics.ioModule('fwd-io')!.crcErrors >= before + 3);
    // The port entity republishes its counters once a second.
    await waitFor('counted on the port too', () => Number(entity('serial:iomodule-fwd-io')?.attributes.errors) >= 3, 3000);
    assert.notEqual(entity('discrete:doorOpen')?.state, 'on', 'a corrupted reply never opens the door');
    await sleep(200);
    assert.notEqual(entity('discrete:doorOpen')?.state, 'on');
    mod.injectFault('none');
    await waitFor('door open from a good reply', () => entity('discrete:doorOpen')?.state === 'on', 3000);
    mod.set(2, false);
  });

  it('a module whose serial line is pulled is port-down with a crew alert, and polled again once it is back', async () => {
    await waitFor('module ok', () => entity('iomodule:fwd-io')?.state === 'ok', 3000);
    mod.stop();
    await ioEnd.close();
    await io.kill();
    await waitFor('port-down', () => entity('iomodule:fwd-io')?.state === 'port-down', 5000);
    assert.match(String(entity('iomodule:fwd-io')!.attributes.crewAlert), /fwd-io cannot be reached: its serial line is down/);
    await io.restart();
    ioEnd = await FarEnd.open(io.b);
    mod = new SimulatedIoModule({ unit: 5, port: { data$: fromPort(ioEnd), write: (b) => ioEnd.write(b) } });
    mod.start();
    await waitFor('ok after the reopen', () => entity('iomodule:fwd-io')?.state === 'ok', 15_000);
    assert.equal(entity('iomodule:fwd-io')!.attributes.crewAlert, undefined);
  });
});

describe('I/O module config', () => {
  const base = { stateDir: '/nonexistent' };
  const avionics = (ioModules: unknown[], line: string, extra: Record<string, unknown> = {}) => ({
    ...base,
    avionics: { enabled: true, ports: [{ id: 'adc', path: '/dev/a' }], ioModules, discretes: [{ name: 'weightOnWheels', label: '270', bit: 11 }, { name: 'doorOpen', line, ...extra }] },
  });
  const refused = (raw: unknown, keyPath: string, re: RegExp) =>
    assert.throws(() => validateConfig(raw), (e: Error) => e instanceof ConfigError && e.keyPath === keyPath && re.test(e.message), JSON.stringify(raw));

  it('refuses at start a discrete whose line names a module that is not configured, with the key path', () => {
    refused(avionics([], 'aft-io.DI2'), 'avionics.discretes.1.line', /names I\/O module aft-io, which is not configured in avionics\.ioModules/);
    refused(avionics([{ id: 'fwd-io', port: '/dev/m' }], 'aft-io.DI2'), 'avionics.discretes.1.line', /configured: fwd-io/);
    refused(avionics([{ id: 'fwd-io', port: '/dev/m' }], 'DI2'), 'avionics.discretes.1.line', /write <module id>\.DI<input address>/);
    refused(avionics([{ id: 'fwd-io', port: '/dev/m', start: 8, count: 8 }], 'fwd-io.DI2'), 'avionics.discretes.1.line', /reads inputs DI8 to DI15/);
    refused(avionics([{ id: 'fwd-io', port: '/dev/m', pollMs: 3000, replyTimeoutMs: 100 }], 'fwd-io.DI2'), 'avionics.discretes.1.line', /go stale between polls/);
    refused(avionics([{ id: 'fwd-io', port: '/dev/m', pollMs: 50, replyTimeoutMs: 100 }], 'fwd-io.DI2'), 'avionics.ioModules.0.replyTimeoutMs', /longer than pollMs/);
    refused(avionics([{ id: 'fwd-io', port: '/dev/m', unit: 0 }], 'fwd-io.DI2'), 'avionics.ioModules.0.unit', /./);
    refused(avionics([{ id: 'fwd-io', port: '/dev/a' }], 'fwd-io.DI2'), 'avionics.ioModules.0.port', /already avionics port adc: one I\/O module per port/);
    refused({ ...base, avionics: { ioModules: [{ id: 'x', port: '/dev/m' }] } }, 'avionics.ioModules', /avionics is not enabled/);
  });

  it('takes a module with its defaults', () => {
    const { config } = validateConfig(avionics([{ id: 'fwd-io', port: '/dev/m' }], 'fwd-io.DI7'));
    assert.deepEqual(config.avionics.ioModules, [{ id: 'fwd-io', port: '/dev/m', baudRate: 9600, unit: 1, start: 0, count: 8, pollMs: 200, replyTimeoutMs: 100, maxMisses: 3 }]);
  });
});

describe('IoModulePoller.stop()', () => {
  it('leaves no timer and no open port: the module hears no further poll', async () => {
    const d = await tempDir('purser-iomodule-stop-');
    const pair = await PtyPair.start(d, ['io', 'io-far']);
    const far = await FarEnd.open(pair.b);
    const sim = new SimulatedIoModule({ unit: 1, port: { data$: fromPort(far), write: (b) => far.write(b) } });
    sim.start();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const tty = await pair.ttyOf(pair.a);
    const fdsOnTty = async () => {
      let n = 0;
      for (const fd of await readdir('/proc/self/fd')) if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === tty) n++;
      return n;
    };
    try {
      const baseTimers = timers();
      const baseFds = await fdsOnTty();
      const serial = new SerialPortManager();
      const port = serial.open({ id: 'serial:iomodule-t', path: pair.a, baudRate: 9600, mode: 'read-write' });
      const poller = new IoModulePoller({ id: 't', port: pair.a, unit: 1, start: 0, count: 4, pollMs: 30, replyTimeoutMs: 20, maxMisses: 3 }, port, () => undefined);
      poller.start();
      try {
        await waitFor('answered', () => poller.snapshot().state === 'ok', 3000);
        assert.equal(await fdsOnTty(), baseFds + 1);
      } finally {
        await poller.stop();
        await serial.stop();
      }
      const heard = sim.requests;
      await sleep(150);
      assert.equal(sim.requests, heard, 'no poll after stop');
      assert.equal(timers(), baseTimers, `no timer left: ${process.getActiveResourcesInfo()}`);
      assert.equal(await fdsOnTty(), baseFds, 'the tty is closed');
    } finally {
      // A failed assertion must not leave socat running.
      sim.stop();
      await far.close();
      await pair.kill();
      await rm(d, { recursive: true, force: true });
    }
  });
});
