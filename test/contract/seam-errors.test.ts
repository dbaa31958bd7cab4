import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { ConfigSectionClaimError, validateConfig } from '../../src/app/config.js';
import { Controller } from '../../src/app/controller.js';
import { DuplicateCapabilityError, MissingCapabilityError } from '../../src/contract/capabilities.js';
import { EventDeclarationError } from '../../src/contract/event-bus.js';
import type { Feature } from '../../src/contract/feature.js';
import type { Health } from '../../src/core/service.js';
import { openDatabase } from '../../src/store/database.js';
import { WalCheckpointer } from '../../src/store/wal-checkpointer.js';
import { TEST_SECRET } from '../helpers/controller.js';
import { sseFrames } from '../helpers/sse.js';
import { galleyFeature, galleySection } from './galley/feature.js';

declare module '../../src/contract/capabilities.js' {
  interface Capabilities {
    /** Only these tests provide it. */
    'test.dishwasher': { wash(): void };
  }
}

declare module '../../src/contract/events.js' {
  interface CabinEventMap {
    /** Never declared by any feature: the bus must carry it live only, and say so once. */
    'galley.smoke': { seat: null; at: number };
  }
}

const dishwasher = { wash: () => undefined };
const needsDishwasher: Feature = { name: 'crew-rest', setup: (ctx) => (ctx.need('test.dishwasher'), {}) };
const providesDishwasher = (name: string): Feature => ({ name, setup: () => ({ provides: { 'test.dishwasher': dishwasher } }) });

/** The controller's log lines, parsed, for what a technician would read. */
function capturedLog(): { log: pino.Logger; lines: { level: number; msg: string; type?: string }[] } {
  const lines: { level: number; msg: string; type?: string }[] = [];
  return { log: pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) }), lines };
}

/** A controller of just these features on a free loopback port, in a temp state dir. */
async function controllerOf(features: Feature[], overrides: Record<string, unknown> = {}) {
  const stateDir = await mkdtemp(join(tmpdir(), 'purser-seam-'));
  const raw = { stateDir, http: { host: '127.0.0.1', port: 0 }, cabin: { secret: TEST_SECRET }, vlc: { enabled: false }, console: { port: 0 }, ...overrides };
  const { config, layout } = validateConfig(raw, { features });
  const { log, lines } = capturedLog();
  let earlyUrl = '';
  const controller = new Controller(config, layout, log, features, { onEarlyListen: (url) => (earlyUrl = url) });
  return { controller, lines, earlyUrl: () => earlyUrl, cleanup: () => rm(stateDir, { recursive: true, force: true }) };
}

/** Starts them; the start must fail with `expected`, and leave nothing listening. */
async function startFails(features: Feature[], expected: (e: unknown) => boolean): Promise<void> {
  const c = await controllerOf(features);
  try {
    await assert.rejects(c.controller.start(), expected);
    assert.ok(c.earlyUrl(), 'it had begun to listen');
    await assert.rejects(fetch(`${c.earlyUrl()}/api/v1/health`), 'a failed start leaves nothing holding the port');
  } finally {
    await c.cleanup();
  }
}

describe('the seam names its own mistakes at start, before a seat is answered', () => {
  it('a capability needed but never provided, or provided only by a later feature, names the capability and the feature', async () => {
    const named = (e: unknown) => e instanceof MissingCapabilityError && /feature crew-rest needs 'test\.dishwasher', which no earlier feature provides/.test(e.message);
    await startFails([needsDishwasher], named);
    await startFails([needsDishwasher, providesDishwasher('galley-aft')], named);
  });

  it('a capability provided twice names both providers', async () => {
    await startFails(
      [providesDishwasher('galley-fwd'), providesDishwasher('galley-aft')],
      (e) => e instanceof DuplicateCapabilityError && e.message === "'test.dishwasher' is provided twice: by galley-fwd and by galley-aft",
    );
  });

  it('an event type declared by two features with different meanings (stored and live only) names both', async () => {
    const liveOvens: Feature = { name: 'oven-display', events: { 'galley.ovenOn': 'live' }, setup: () => ({}) };
    await startFails([galleyFeature(), liveOvens], (e) => e instanceof EventDeclarationError && e.message === 'event galley.ovenOn is declared stored by galley and live by oven-display');
  });

  it('a config section claimed by two features, or a feature claiming one of the spine\'s keys, is refused before anything starts', () => {
    const copy: Feature = { name: 'galley-aft', config: { galley: { schema: galleySection } }, setup: () => ({}) };
    const refused = (message: string) => (e: unknown) => e instanceof ConfigSectionClaimError && e.message === message;
    assert.throws(() => validateConfig({ stateDir: '/tmp/x' }, { features: [galleyFeature(), copy] }), refused('config section galley is claimed by features galley and galley-aft'));
    const ownPa: Feature = { name: 'galley-pa', config: { pa: { schema: galleySection } }, setup: () => ({}) };
    assert.throws(() => validateConfig({ stateDir: '/tmp/x' }, { features: [ownPa] }), refused('config section pa is claimed by features pa and galley-pa'), 'a default feature\'s key too');
    const ownHttp: Feature = { name: 'galley-http', config: { http: { schema: galleySection } }, setup: () => ({}) };
    assert.throws(() => validateConfig({ stateDir: '/tmp/x' }, { features: [ownHttp] }), refused("config section http is the spine's (src/config/schema.ts); feature galley-http cannot claim it"));
  });
});

describe('the seam at run time: undeclared events, a failing store', () => {
  const smoke: Feature = {
    name: 'smoke-detector',
    setup: (ctx) => ({
      routes: [async (app) => void app.post('/api/v1/test/smoke', async () => (ctx.bus.publish({ type: 'galley.smoke', seat: null, at: Date.now() }), { ok: true }))],
    }),
  };
  let c: Awaited<ReturnType<typeof controllerOf>>;
  let url: string;
  before(async () => {
    c = await controllerOf([galleyFeature(), smoke]);
    await c.controller.start();
    url = c.controller.url;
  });
  after(async () => {
    await c.controller.stop();
    await c.cleanup();
  });

  const health = async () => {
    const r = await fetch(`${url}/api/v1/health`);
    return { code: r.status, body: (await r.json()) as { status: string; services: Record<string, Health> } };
  };
  const history = async () => ((await (await fetch(`${url}/api/v1/history?limit=100`)).json()) as { events: { type: string }[] }).events.map((e) => e.type);
  const until = async (what: string, ok: () => Promise<boolean>, ms = 8000) => {
    const deadline = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('an event type no feature declared still reaches live views, as live only, is never stored, and is warned about once', async () => {
    const live = sseFrames(url, (f) => f.filter((x) => x.data?.type === 'galley.smoke').length >= 2);
    await live.ready;
    for (let i = 0; i < 2; i++) assert.equal((await fetch(`${url}/api/v1/test/smoke`, { method: 'POST' })).status, 200);
    const frames = (await live.done).filter((x) => x.data?.type === 'galley.smoke');
    assert.deepEqual(frames.map((f) => f.event), ['live', 'live']);
    c.controller.ctx.store.flush(c.controller.ctx.registry.takeDirty());
    assert.ok(!(await history()).includes('galley.smoke'), 'not in the cabin history');
    const warned = c.lines.filter((l) => l.msg === 'event type published without a declaration: treated as live only');
    assert.deepEqual(warned.map((l) => l.type), ['galley.smoke'], 'one warning naming the type, not one per event');
  });

  it('a write-behind flush that fails makes the store degraded on the health page; its rows wait and are written once it recovers', async () => {
    assert.equal((await health()).body.services.store?.state, 'ok');
    const db = c.controller.ctx.db;
    db.exec('ALTER TABLE events RENAME TO events_away');
    try {
      assert.equal((await fetch(`${url}/api/v1/galley/ovens/1/on`, { method: 'POST' })).status, 200);
      await until('store degraded', async () => (await health()).body.services.store?.state === 'degraded');
      const h = await health();
      assert.equal(h.code, 503);
      assert.equal(h.body.status, 'degraded');
      assert.match(h.body.services.store!.detail!, /^write-behind failed: no such table: events; \d+ rows waiting$/);
      assert.equal(c.controller.ctx.entities.get('service:store')?.state, 'degraded', 'the panel\'s Systems view shows it too');
    } finally {
      db.exec('ALTER TABLE events_away RENAME TO events');
    }
    await until('store ok again', async () => (await health()).body.services.store?.state === 'ok');
    assert.ok((await history()).includes('galley.ovenOn'), 'the event published while it failed is in the history');
  });
});

describe('the WAL checkpointer', () => {
  it('whose worker fails is degraded, saying that SQLite checkpoints on the event loop again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-seam-wal-'));
    const db = openDatabase(join(dir, 'a.db'), []);
    // The worker opens its own connection by path: a path with no database makes its first checkpoint fail.
    const cp = new WalCheckpointer(db, join(dir, 'gone.db'), { intervalMs: 60_000, log: pino({ level: 'silent' }) });
    const seen: Health[] = [];
    const sub = cp.health$.subscribe((h) => seen.push(h));
    try {
      assert.equal(seen.at(-1)?.state, 'ok');
      cp.start();
      for (let i = 0; i < 300 && seen.at(-1)?.state === 'ok'; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(seen.at(-1)?.state, 'degraded');
      assert.match(seen.at(-1)!.detail!, /^checkpoint worker failed \(.+\): SQLite checkpoints on commit again, on the event loop$/);
    } finally {
      sub.unsubscribe();
      await cp.stop();
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
