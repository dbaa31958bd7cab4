import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Alert } from '../../src/alerts/alert.js';
import type { CabinEvent } from '../../src/contract/events.js';
import { avionicsFeature } from '../../src/avionics/feature.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { firmwareFeature } from '../../src/firmware/feature.js';
import { panelFeature } from '../../src/panel/feature.js';
import { buildTestPanel } from '../panel/harness.js';
import { SimulatedMonitor } from '../../src/monitors/simulated-monitor.js';
import { ArincTransmitter, atTheGate, type AirState } from '../../src/sim/avionics/arinc-transmitter.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { FarEnd, PtyPair, tempDir, waitFor } from '../hardware/serial/pty-pair.js';
import type { FlightFeedV1 } from '../../src/avionics/flight-feed.js';

/**
 * The avionics feature in a real controller over real socat ptys: an
 * "adapter" (ArincTransmitter on the far end of the pty, at realistic label
 * rates) feeds the read-only port; an NEC SimulatedMonitor answers on a
 * second pty. Multicast: commands on 239.255.10.1 at a random port (this
 * file's own).
 */

const GATE: AirState = atTheGate();
const CRUISE: Partial<AirState> = { pressureAltitudeFt: 35_000, groundSpeedKt: 450, trueAirspeedKt: 460, computedAirspeedKt: 270, staticAirTempC: -54, discretes270: 0, latitudeDeg: 7, longitudeDeg: -77 };

let dir: string;
let adc: PtyPair;
let mon: PtyPair;
let tc: TestController;
let farEnds: FarEnd[] = [];
let far: FarEnd;
let tx: ArincTransmitter;
let monitor: SimulatedMonitor;
let monitorEnd: FarEnd;
let air: AirState = { ...GATE };
let panel: { webRoot: string; remove(): Promise<void> } | undefined;
const events: CabinEvent[] = [];

async function openFar(): Promise<void> {
  far = await FarEnd.open(adc.b);
  farEnds.push(far);
}

async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T & { error?: { code: string; message: string } } }> {
  const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${tc.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as never };
}

const entity = (id: string) => tc.controller.ctx.entities.get(id);
const systemAlerts = async () => (await api<{ alerts: Alert[] }>('GET', '/api/v1/alerts')).body.alerts.filter((a) => a.kind === 'system');
const gateDecision = () => tc.controller.ctx.find('groundGate')!.check('rollout');

before(async () => {
  dir = await tempDir('purser-avionics-feature-');
  adc = await PtyPair.start(dir, ['adc', 'adc-far']);
  mon = await PtyPair.start(dir, ['mon', 'mon-far']);
  tc = await startTestController(
    {
      api: { token: TEST_TOKEN },
      commands: { port: randomPort(), group: '239.255.10.1' },
      multicast: { interface: '127.0.0.1', ttl: 1 },
      pa: { enabled: false },
      tftp: { host: '127.0.0.1', port: 0 },
      avionics: {
        enabled: true,
        ports: [{ id: 'adc', path: adc.a, framing: 'binary-sync', silenceMs: 1000 }],
        tickMs: 50,
        phase: { groundConfirmMs: 500, levelDwellMs: 1000 },
        destination: { name: 'BOG', latitudeDeg: 4.7016, longitudeDeg: -74.1469 },
      },
      monitors: [{ id: 'fwd', path: mon.a, monitorId: 3, pollIntervalMs: 300, replyTimeoutMs: 1000 }],
    },
    // The panel feature keeps the crew's alerts (GET /api/v1/alerts).
    [commandsFeature(), avionicsFeature(), firmwareFeature(), panelFeature({ webRoot: (panel = await buildTestPanel()).webRoot })],
  );
  tc.controller.ctx.bus.events$.subscribe((e) => events.push(e));
  await openFar();
  tx = new ArincTransmitter({ state: () => ({ ...air, utcMs: Date.now() }), write: (b) => void far.write(b).catch(() => undefined), tickMs: 20 });
  tx.start();
  monitorEnd = await FarEnd.open(mon.b);
  // The monitor reads and answers through the stream API of the far end: a MonitorPort over it.
  monitor = new SimulatedMonitor({
    monitorId: 3,
    power: 'on',
    input: 'hdmi',
    port: { data$: fromPort(monitorEnd), write: (b) => monitorEnd.write(b) },
  });
  monitor.start();
});

after(async () => {
  tx?.stop();
  monitor?.stop();
  for (const f of farEnds) await f.close();
  await monitorEnd?.close();
  await tc?.stop();
  await adc?.kill();
  await mon?.kill();
  await rm(dir, { recursive: true, force: true });
  await panel?.remove();
});

import { Observable } from 'rxjs';
function fromPort(f: FarEnd): Observable<Buffer> {
  return new Observable<Buffer>((sub) => {
    const on = (b: Buffer) => sub.next(b);
    f.port.on('data', on);
    return () => f.port.off('data', on);
  });
}

describe('avionics feature over real ptys', () => {
  it('parks at the gate from the words on the pty: entities, the gate open, the seats\' flight feed', async () => {
    await waitFor('phase gate and the flight number', () => entity('flight:phase')?.state === 'gate' && (entity('flight:phase')?.attributes.flight as { flightNumber: string | null }).flightNumber, 8000);
    assert.deepEqual(gateDecision(), { allowed: true });
    assert.equal(entity('serial:adc')?.state, 'ok');
    assert.equal(entity('discrete:weightOnWheels')?.state, 'on');
    assert.equal(entity('discrete:doorOpen')?.state, 'on');
    // The feed is a snapshot at most a second old: wait for one taken after the flight number came in.
    const feed = await waitFor('a feed with the flight number', async () => {
      const res = await fetch(`${tc.url}/seat/v1/flight`);
      assert.equal(res.status, 200);
      const f = (await res.json()) as FlightFeedV1;
      return f.flightNumber ? f : null;
    }, 5000);
    assert.equal(feed.version, 1);
    assert.equal(feed.phase.value, 'gate');
    assert.equal(feed.flightNumber?.value, 'CM123');
    assert.equal(feed.altitudeFt?.value, 100);
    assert.ok(feed.altitudeFt!.ageMs < 1000, `altitude age ${feed.altitudeFt!.ageMs}`);
    assert.ok(Math.abs(feed.position!.latitudeDeg - 9.0714) < 0.001);
    assert.equal(feed.timeToDestination, null, 'no time to destination standing still');
    // 50 seats asking at once cost one snapshot per second they took (plus the one under way), not 50.
    const avionics = tc.controller.ctx.find('avionics')!;
    const before = avionics.feed.computed;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => fetch(`${tc.url}/seat/v1/flight`).then((r) => r.json())));
    const allowed = Math.ceil((performance.now() - t0) / 1000) + 1;
    assert.ok(avionics.feed.computed - before <= allowed, `${avionics.feed.computed - before} snapshots for 50 requests (at most ${allowed})`);
  });

  it('tells a technician on GET /api/v1/flight what the phase rests on and what the gate allows', async () => {
    const r = await api<{ phase: { phase: string; onGround: boolean; reason: string }; gate: Record<string, { allowed: boolean }>; counters: { words: number } & Record<string, unknown>; feed: { flightNumber: { value: string } | null } }>('GET', '/api/v1/flight');
    assert.equal(r.status, 200);
    assert.equal(r.body.phase.phase, 'gate');
    assert.equal(r.body.phase.onGround, true);
    assert.ok(r.body.phase.reason.length > 0, 'a reason in words');
    assert.deepEqual(Object.keys(r.body.gate).sort(), ['ground-download', 'rollout', 'tunnel']);
    assert.equal(r.body.gate.rollout!.allowed, true);
    assert.equal(r.body.feed.flightNumber?.value, 'CM123');
    assert.ok(JSON.stringify(r.body.counters).length > 2, 'the word counters');
  });

  it('refuses a rollout in cruise, through the real API, and allows it back at the gate; a running one holds while airborne', async () => {
    const up = await fetch(`${tc.url}/api/v1/firmware/gp3/2.5.0`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(Buffer.alloc(2000, 3)),
    });
    assert.equal(up.status, 201);
    air = { ...GATE, ...CRUISE };
    await waitFor('cruise', () => entity('flight:phase')?.state === 'cruise', 8000).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(entity('flight:phase'))} ${JSON.stringify(events.filter((x) => x.type === 'flight.phase'))}`);
    });
    const refused = await api('POST', '/api/v1/rollouts', { model: 'gp3', version: '2.5.0', target: { all: true }, onGround: true, force: true });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error?.code, 'IN_FLIGHT');
    assert.match(refused.body.error!.message, /in cruise/);
    const feed = (await (await fetch(`${tc.url}/seat/v1/flight`)).json()) as FlightFeedV1;
    assert.ok(feed.timeToDestination && feed.timeToDestination.minutes > 0, JSON.stringify(feed.timeToDestination));

    air = { ...GATE };
    await waitFor('gate again', () => entity('flight:phase')?.state === 'gate' && gateDecision().allowed, 8000);
    // Four seats online (one poll each) for the rollout to tell; no onGround claim at all: the phase answers for it.
    const seats = ['1A', '1B', '1C', '1D'];
    for (const seat of seats) assert.equal((await postPoll(tc.url, pollBody(seat))).status, 200);
    const ok = await api<{ rollout: { id: number } }>('POST', '/api/v1/rollouts', { model: 'gp3', version: '2.5.0', target: { seats }, canary: 1 });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));

    air = { ...GATE, ...CRUISE };
    let last: unknown;
    await waitFor('rollout holding', async () => {
      const r = await api<{ rollout: { holding?: string } }>('GET', `/api/v1/rollouts/${ok.body.rollout.id}`);
      last = r.body;
      return r.body.rollout.holding && /allowed only at the gate/.test(r.body.rollout.holding);
    }, 8000).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(last).slice(0, 600)}`);
    });
    await api('POST', `/api/v1/rollouts/${ok.body.rollout.id}/cancel`);
    assert.ok(events.some((e) => e.type === 'flight.phase' && e.to === 'cruise'));
  });

  it('closes the gate within 100 ms of weight off wheels arriving on the pty', async () => {
    air = { ...GATE };
    await waitFor('gate', () => gateDecision().allowed, 8000);
    const gate = tc.controller.ctx.find('groundGate')!;
    const closed = new Promise<number>((resolve) => {
      const sub = gate.changes$.subscribe(() => {
        if (!gate.check('rollout').allowed) {
          sub.unsubscribe();
          resolve(performance.now());
        }
      });
    });
    const t0 = performance.now();
    air = { ...GATE, discretes270: 0 };
    tx.burst();
    const latency = (await closed) - t0;
    assert.ok(latency < 100, `weight off wheels to a closed gate took ${latency.toFixed(1)} ms`);
    assert.match((gate.check('rollout') as { reason: string }).reason, /weight/);
  });

  it('recovers when the avionics pty is removed and recreated (as a USB adapter unplugged and back)', async () => {
    air = { ...GATE };
    await waitFor('gate', () => entity('flight:phase')?.state === 'gate', 8000);
    await far.close();
    await adc.kill();
    await waitFor('port down', () => entity('serial:adc')?.state === 'down', 8000);
    await waitFor('phase unknown on stale data', () => entity('flight:phase')?.state === 'unknown', 8000);
    assert.equal(gateDecision().allowed, false);
    await adc.restart();
    await openFar();
    await waitFor('port reopened', () => entity('serial:adc')?.state === 'ok' && Number(entity('serial:adc')?.attributes.reopenCount) >= 1, 10_000);
    await waitFor('gate again', () => entity('flight:phase')?.state === 'gate', 8000);
    assert.equal(gateDecision().allowed, true);
  });

  it('drives the overhead monitor through the feature, and a silent one is a fault event', async () => {
    await waitFor('monitor on', () => entity('monitor:fwd')?.state === 'on', 5000);
    const off = await api<{ monitor: { state: string } }>('POST', '/api/v1/monitors/fwd', { power: 'off' });
    // The reply to power-off carries the new mode; the entity may trail by the next poll.
    assert.equal(off.status, 200, JSON.stringify(off.body));
    assert.equal(off.body.monitor.state, 'standby');
    const bad = await api('POST', '/api/v1/monitors/fwd', { power: 'sideways' });
    assert.equal(bad.status, 400);
    // Every refusal says what is wrong, by field, and changes nothing.
    const refusals: [unknown, number, RegExp, string?][] = [
      [{ input: 'vga9' }, 400, /input must be one of/, 'input'],
      [{ power: 'on', colour: 'red' }, 400, /colour is not a monitor field/],
      [{}, 400, /give power or input/],
      [[1, 2], 400, /JSON object/],
    ];
    for (const [body, status, message] of refusals) {
      const r = await api('POST', '/api/v1/monitors/fwd', body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.error?.code, 'INVALID_MONITOR_COMMAND');
      assert.match(r.body.error!.message, message);
    }
    const unknown = await api('POST', '/api/v1/monitors/aft', { power: 'on' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error?.code, 'UNKNOWN_MONITOR');
    const list = await api<{ monitors: { id: string; state: string }[] }>('GET', '/api/v1/monitors');
    assert.deepEqual(list.body.monitors.map((m) => m.id), ['monitor:fwd']);
    assert.equal(list.body.monitors[0]!.state, 'standby', 'the refused commands changed nothing');
    monitor.injectFault('silent');
    await waitFor('no reply fault', () => events.some((e) => e.type === 'monitor.fault' && e.code === 'MONITOR_NO_REPLY' && e.raised), 5000);
    // The entity follows the fault event (entities are published at their own pace).
    await waitFor('entity no-reply', () => entity('monitor:fwd')?.state === 'no-reply', 5000);
    // The crew see it among their alerts, in words, until the monitor answers again.
    const raised = await waitFor('a crew alert for the silent monitor', async () => (await systemAlerts()).find((a) => a.code === 'monitor:fwd'), 5000);
    assert.match(raised.text ?? '', /Overhead monitor fwd does not answer \(MONITOR_NO_REPLY\)/);
    monitor.injectFault('none');
    await waitFor('cleared', () => events.some((e) => e.type === 'monitor.fault' && e.code === 'MONITOR_NO_REPLY' && !e.raised), 5000);
    await waitFor('the monitor alert resolved', async () => !(await systemAlerts()).some((a) => a.code === 'monitor:fwd'), 5000);
  });

  it('a flapping discrete input is a crew alert, as a seat\'s flapping button is', async () => {
    // overTemperature (label 270 bit 16: bit 5 of the transmitter's word) toggled every 120 ms: over 6 edges in 10 s.
    const OVER_TEMP = 1 << 5;
    for (let i = 0; i < 14; i++) {
      air = { ...air, discretes270: air.discretes270 ^ OVER_TEMP };
      await new Promise((r) => setTimeout(r, 120));
    }
    air = { ...air, discretes270: air.discretes270 & ~OVER_TEMP };
    const alert = await waitFor('a crew alert for the flapping discrete', async () => (await systemAlerts()).find((a) => a.code === 'discrete:overTemperature'), 5000);
    assert.match(alert.text ?? '', /Discrete input overTemperature is flapping/);
    assert.equal(entity('discrete:overTemperature')?.attributes.fault, 'flapping');
  });

  it('never wrote a byte towards the avionics (0 bytes at every far end)', () => {
    assert.ok(tx.words > 500, `the adapter sent ${tx.words} words`);
    for (const f of farEnds) assert.equal(f.bytes().length, 0);
    assert.equal(entity('serial:adc')?.attributes.bytesOut, 0);
    assert.equal(entity('serial:adc')?.attributes.mode, 'read-only');
  });
});

describe('a cabin without an avionics feed', () => {
  it('answers NO_AVIONICS on both flight routes, so a seat hides its map', async () => {
    const plain = await startTestController({ api: { token: TEST_TOKEN }, avionics: { enabled: false } }, [avionicsFeature()]);
    try {
      for (const path of ['/seat/v1/flight', '/api/v1/flight']) {
        const res = await fetch(`${plain.url}${path}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
        assert.equal(res.status, 404, path);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NO_AVIONICS');
      }
    } finally {
      await plain.stop();
    }
  });
});
