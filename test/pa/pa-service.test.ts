import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Subject, VirtualAction, VirtualTimeScheduler, filter, firstValueFrom, timeout } from 'rxjs';
import type { PaSource } from '../../src/pa/detector.js';
import { PaService, type PaConfig, type PaEffect, type PaState } from '../../src/pa/pa-service.js';
import { playPa } from '../../src/sim/pa-player.js';

const quiet = { warn: () => {} };
const CABIN = '239.255.20.31';
const FLIGHTDECK = '239.255.20.32';

function config(overrides: Partial<PaConfig> = {}): PaConfig {
  return {
    sources: [
      { name: 'flightdeck', group: FLIGHTDECK, port: 0 },
      { name: 'cabin', group: CABIN, port: 0 },
    ],
    interface: '127.0.0.1',
    ...overrides,
  };
}

/** Records every effect, and lets a test await the next one of a kind. */
function watch(service: PaService) {
  const seen: PaEffect[] = [];
  service.effects$.subscribe((e) => seen.push(e));
  const next = <T extends PaEffect['type']>(type: T, source?: PaSource) =>
    firstValueFrom(
      service.effects$.pipe(
        filter((e): e is Extract<PaEffect, { type: T }> => e.type === type && (!source || e.source === source)),
        timeout(15_000),
      ),
    );
  return { seen, next };
}

const portOf = (service: PaService, source: PaSource) => Number(service.groups.get(source)!.split(':')[1]);

test('a voice on the cabin group begins a PA within a packet and ends it a hang-over after the voice stops', async () => {
  const service = new PaService(config(), { log: quiet });
  const { seen, next } = watch(service);
  const states: PaState[] = [];
  service.state$.subscribe((s) => states.push(s));
  await service.start();
  try {
    const port = portOf(service, 'cabin');
    const playback = playPa({ group: CABIN, port, durationMs: 2000 });
    const begin = await next('pa.begin');
    assert.deepEqual({ ...begin, at: 0 }, { type: 'pa.begin', source: 'cabin', group: `${CABIN}:${port}`, previous: null, at: 0 });
    const lag = begin.at - playback.firstAudibleAt!;
    assert.ok(lag >= 0 && lag < 200, `detected ${lag} ms after the first audible packet was sent`);
    await playback.done;
    const voiceEndedAt = performance.now();
    const end = await next('pa.end');
    const after = end.at - voiceEndedAt;
    // The voice may fade out up to a syllable before the stream stops.
    assert.ok(after > 1500 - 400 && after < 1500 + 1000, `ended ${after} ms after the voice stopped`);
    assert.deepEqual(seen.map((e) => e.type), ['pa.begin', 'pa.end']);
    const during = states.filter((s) => s !== null);
    assert.ok(during.length >= 3, 'the level is refreshed while the PA lasts');
    assert.ok(during.every((s) => s.source === 'cabin' && s.since === begin.at));
    assert.ok(during.some((s) => s.levelDbfs! >= -45), 'the level shows the voice');
    assert.equal(states.at(-1), null);
  } finally {
    await service.stop();
  }
});

test('the flight deck takes over a cabin PA and hands it back', async () => {
  const service = new PaService(config(), { log: quiet });
  const { seen, next } = watch(service);
  await service.start();
  try {
    const cabin = playPa({ group: CABIN, port: portOf(service, 'cabin'), durationMs: 4000 });
    await next('pa.begin', 'cabin');
    const flightdeck = playPa({ group: FLIGHTDECK, port: portOf(service, 'flightdeck'), durationMs: 1000, seed: 2 });
    await flightdeck.done;
    await cabin.done;
    await next('pa.end');
    assert.deepEqual(
      seen.map((e) => (e.type === 'pa.begin' ? `${e.previous ?? '-'} > ${e.source}` : e.type === 'pa.end' ? `pa.end ${e.source} ${e.reason}` : e.type)),
      ['- > cabin', 'cabin > flightdeck', 'pa.end cabin superseded', 'flightdeck > cabin', 'pa.end flightdeck ended', 'pa.end cabin ended'],
    );
  } finally {
    await service.stop();
  }
});

test('a keyline begins and ends a PA; one for a source with no group is ignored', async () => {
  const keyline$ = new Subject<{ source: PaSource; on: boolean }>();
  const service = new PaService(config(), { log: quiet, keyline$ });
  const { seen } = watch(service);
  await service.start();
  try {
    keyline$.next({ source: 'recorded', on: true });
    keyline$.next({ source: 'flightdeck', on: true });
    keyline$.next({ source: 'flightdeck', on: false });
    assert.deepEqual(
      seen.map((e) => [e.type, e.source]),
      [
        ['pa.begin', 'flightdeck'],
        ['pa.end', 'flightdeck'],
      ],
    );
    assert.equal(service.counters().keylinesIgnored, 1);
  } finally {
    await service.stop();
  }
});

test('on an injected clock, a keyline stuck for ten minutes ends the PA with a fault, in virtual time', async () => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const keyline$ = new Subject<{ source: PaSource; on: boolean }>();
  const service = new PaService(config(), { log: quiet, keyline$, clock: { now: () => scheduler.now(), scheduler } });
  const { seen } = watch(service);
  await service.start();
  try {
    keyline$.next({ source: 'cabin', on: true });
    scheduler.flush();
    assert.deepEqual(
      seen.map((e) => [e.type, e.at]),
      [
        ['pa.begin', 0],
        ['pa.fault', 600_000],
        ['pa.end', 600_000],
      ],
    );
    assert.equal(service.counters().faults, 1);
  } finally {
    await service.stop();
  }
});

test('stopping the service during a PA ends the PA', async () => {
  const keyline$ = new Subject<{ source: PaSource; on: boolean }>();
  const service = new PaService(config(), { log: quiet, keyline$ });
  const { seen } = watch(service);
  const states: PaState[] = [];
  service.state$.subscribe((s) => states.push(s));
  await service.start();
  keyline$.next({ source: 'cabin', on: true });
  await service.stop();
  assert.deepEqual(seen.map((e) => e.type), ['pa.begin', 'pa.end']);
  assert.equal(states.at(-1), null);
});

test('a group that cannot be joined fails start() and reports why; stop() is then safe and a retry works', async () => {
  const service = new PaService(config({ interface: '192.0.2.1' }), { log: quiet });
  await assert.rejects(service.start(), { code: 'ENODEV' });
  const health = await firstValueFrom(service.health$);
  assert.equal(health.state, 'down');
  assert.match(health.detail!, /cannot join the PA groups/);
  await service.stop();

  const fixed = new PaService(config(), { log: quiet });
  await fixed.start();
  assert.equal((await firstValueFrom(fixed.health$)).state, 'ok');
  await fixed.stop();
});

test('a configuration naming a source twice is refused', () => {
  assert.throws(
    () => new PaService(config({ sources: [{ name: 'cabin', group: CABIN, port: 5004 }, { name: 'cabin', group: FLIGHTDECK, port: 5004 }] }), { log: quiet }),
    /each source may appear once/,
  );
});
