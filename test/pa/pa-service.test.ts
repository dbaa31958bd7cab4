import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Subject, filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { PaService, type PaConfig, type PaEffect, type PaState } from '../../src/pa/pa-service.js';
import { playPa } from '../../src/sim/pa-player.js';

const quiet = { warn: () => {} };

function config(overrides: Partial<PaConfig> = {}): PaConfig {
  return {
    sources: [
      { name: 'flightdeck', group: '239.255.20.32', port: 0 },
      { name: 'cabin', group: '239.255.20.31', port: 0 },
    ],
    interface: '127.0.0.1',
    ...overrides,
  };
}

/** Records every effect and lets a test await the next one matching. */
function watch(service: PaService) {
  const seen: PaEffect[] = [];
  service.effects$.subscribe((e) => seen.push(e));
  const next = (type: PaEffect['type'], source?: string, ms = 10_000) =>
    firstValueFrom(service.effects$.pipe(filter((e) => e.type === type && (!source || e.source === source)), timeout(ms)));
  return { seen, next };
}

function portOf(state: Observable<PaState> | PaService, group: string): number {
  const service = state as PaService;
  return Number(service.counters() && [...Object.values(service.counters().receivers)].length && group.split(':')[1]);
}

test('a voice on the cabin group begins a PA within a packet and ends it a hang-over after the voice stops', async () => {
  const service = new PaService(config(), { log: quiet });
  const { seen, next } = watch(service);
  const states: PaState[] = [];
  service.state$.subscribe((s) => states.push(s));
  await service.start();
  try {
    const cabinPort = Number(await groupPort(service, 'cabin'));
    const playback = playPa({ group: '239.255.20.31', port: cabinPort, durationMs: 2000 });
    const begin = await next('pa.begin');
    assert.deepEqual({ ...begin, at: 0 }, { type: 'pa.begin', source: 'cabin', group: `239.255.20.31:${cabinPort}`, previous: null, at: 0 });
    assert.ok(begin.at - playback.firstAudibleAt! < 200, `detected ${begin.at - playback.firstAudibleAt!} ms after the first audible packet was sent`);
    await playback.done;
    const stoppedAt = performance.now();
    const end = await next('pa.end');
    const after = end.at - stoppedAt;
    assert.ok(after > 1500 - 800 && after < 1500 + 1000, `ended ${after} ms after the voice stopped`);
    assert.deepEqual(seen.map((e) => e.type), ['pa.begin', 'pa.end']);
    const during = states.filter((s) => s !== null);
    assert.ok(during.length >= 2, 'the level is refreshed while the PA lasts');
    assert.ok(during.every((s) => s.source === 'cabin' && s.levelDbfs !== null && s.levelDbfs > -120));
    assert.equal(states.at(-1), null);
    assert.equal(service.counters().begins, 1);
  } finally {
    await service.stop();
  }
});
