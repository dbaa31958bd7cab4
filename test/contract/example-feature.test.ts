import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, validateConfig } from '../../src/app/config.js';
import { defaultFeatures } from '../../src/app/features.js';
import type { Entity } from '../../src/contract/entities.js';
import { initialState, reduce } from '../../src/panel/web/state.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { sseFrames, type SseFrame } from '../helpers/sse.js';
import { galleyFeature } from './galley/feature.js';

/** Frames of GET /api/v1/events until `until` holds. */
const frames = (url: string, until: (f: SseFrame[]) => boolean) => sseFrames(url, until);

describe('the seam: a capability is one folder and one line', () => {
  let tc: TestController;
  let galley: ReturnType<typeof galleyFeature>;
  before(async () => {
    galley = galleyFeature();
    tc = await startTestController({ galley: { ovens: 3 } }, [...defaultFeatures(), galley]);
  });
  after(() => tc.stop());

  it('its config section is validated with the rest, before anything starts, naming the key', () => {
    assert.throws(() => validateConfig({ stateDir: '/tmp/x', galley: { ovens: 40 } }, { features: [galleyFeature()] }), (e: unknown) => e instanceof ConfigError && e.message === 'galley.ovens: must be <= 12');
    assert.equal(validateConfig({ stateDir: '/tmp/x' }, { features: [galleyFeature()] }).config.galley?.preheatC, 180, 'defaults apply');
  });

  it('its migration is applied under its own name, its entities and route are served', async () => {
    const applied = tc.controller.ctx.db.prepare("SELECT version, name FROM feature_migrations WHERE feature = 'galley'").all();
    assert.deepEqual(applied, [{ version: 1, name: 'oven log' }]);
    const list = (await (await fetch(`${tc.url}/api/v1/entities?kind=oven`)).json()) as { entities: Entity[] };
    assert.deepEqual(list.entities.map((e) => `${e.id}=${e.state}`), ['oven:1=off', 'oven:2=off', 'oven:3=off']);
  });

  it('a change reaches live panels as an entity frame and its event as a stored cabin frame; the panel state holds the new kind', async () => {
    const live = frames(tc.url, (f) => f.some((x) => x.event === 'entity' && x.data.entity?.id === 'oven:2') && f.some((x) => x.event === 'cabin' && x.data.type === 'galley.ovenOn'));
    await live.ready;
    const r = await fetch(`${tc.url}/api/v1/galley/ovens/2/on`, { method: 'POST' });
    assert.equal(r.status, 200);
    const got = await live.done;
    const change = got.find((x) => x.event === 'entity')!.data;
    assert.equal(change.entity.state, 'heating');
    // The panel's own reducer, fed what the page would fetch and hear: a kind it has never heard of.
    const entities = ((await (await fetch(`${tc.url}/api/v1/entities`)).json()) as { entities: Entity[] }).entities;
    const s = reduce(initialState, { type: 'entity', change });
    assert.equal(s.entities.get('oven:2')?.state, 'heating');
    assert.ok(entities.some((e) => e.kind === 'service' && e.id === 'service:galley'), 'its service health is an entity too');
    // Stored: in the cabin history after the next write-behind.
    tc.controller.ctx.store.flush(tc.controller.ctx.registry.takeDirty());
    const history = (await (await fetch(`${tc.url}/api/v1/history?limit=50`)).json()) as { events: { type: string }[] };
    assert.ok(history.events.some((e) => e.type === 'galley.ovenOn'));
  });

  it('a service that dies after it started is restarted by its supervisor, and its health shows it meanwhile', async () => {
    const oven = galley.oven!;
    assert.equal(oven.starts, 1);
    oven.die('thermostat lost');
    assert.equal(tc.controller.ctx.health().galley?.state, 'down');
    assert.match(tc.controller.ctx.health().galley?.detail ?? '', /thermostat lost; retrying in/);
    const deadline = Date.now() + 5000;
    while (oven.starts < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(oven.starts, 2, 'started again (full-jitter backoff, at most 1 s for a first failure)');
    assert.equal(tc.controller.ctx.health().galley?.state, 'ok');
  });
});
