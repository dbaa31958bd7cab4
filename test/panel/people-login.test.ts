import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_MIGRATIONS } from '../../src/commands/migrations.js';
import { openDatabase } from '../../src/store/database.js';
import { hashPin } from '../../src/auth/pin-hash.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { panelFeature } from '../../src/panel/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { buildTestPanel, CREW_PIN, panelPins } from './harness.js';

const TEST_HASH = { N: 1024, r: 8, p: 1 };
const OKAFOR = { name: 'A. Okafor', pin: '314159' };
const MENSAH = { name: 'B. Mensah', pin: '271828' };
const TWIN_PIN = '161803';

interface SessionJson {
  session?: { role: string; name?: string; expiresInMs: number } | null;
  error?: { code: string; message: string };
}
interface Status {
  seq: number;
  cmd: string;
  issuer: string;
  actor?: { name: string; role: string };
}

async function login(url: string, pin: string) {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pin }) });
  return { status: res.status, json: (await res.json()) as SessionJson, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! };
}

async function send(url: string, headers: Record<string, string>, cmd: string, target: unknown, args: unknown = {}) {
  const res = await fetch(`${url}/api/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ cmd, target, args }) });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { command: Status }).command;
}

const history = async (url: string, query = '') => ((await (await fetch(`${url}/api/v1/commands${query}`)).json()) as { commands: Status[] }).commands;

describe('each PIN belongs to a person: logins and commands over HTTP', () => {
  let tc: TestController;
  let config: Record<string, unknown>;
  let removeBuild: () => Promise<void>;
  let webRoot: string;

  before(async () => {
    const built = await buildTestPanel();
    removeBuild = built.remove;
    webRoot = built.webRoot;
    const roles = await panelPins();
    const [okafor, mensah, twinA, twinB] = await Promise.all([OKAFOR.pin, MENSAH.pin, TWIN_PIN, TWIN_PIN].map((p) => hashPin(p, TEST_HASH)));
    config = {
      commands: { port: 20000 + Math.floor(Math.random() * 20000) },
      panel: {
        crewPinHash: roles.crewPinHash,
        people: [
          { name: OKAFOR.name, role: 'crew', pinHash: okafor },
          { name: MENSAH.name, role: 'technician', pinHash: mensah },
          // Two people who chose one PIN: salted hashes differ, so only a login finds it.
          { name: 'C. Twin', role: 'crew', pinHash: twinA },
          { name: 'D. Twin', role: 'crew', pinHash: twinB },
        ],
      },
    };
    tc = await startTestController(config, [commandsFeature(), panelFeature({ webRoot })]);
  });
  after(async () => {
    await tc?.stop();
    await removeBuild?.();
  });

  it('logs each person in under their own name and role, and the session says who', async () => {
    const a = await login(tc.url, OKAFOR.pin);
    assert.equal(a.status, 200);
    assert.deepEqual({ role: a.json.session?.role, name: a.json.session?.name }, { role: 'crew', name: 'A. Okafor' });
    const m = await login(tc.url, MENSAH.pin);
    assert.deepEqual({ role: m.json.session?.role, name: m.json.session?.name }, { role: 'technician', name: 'B. Mensah' });
    const me = (await (await fetch(`${tc.url}/api/v1/session`, { headers: { cookie: a.cookie } })).json()) as SessionJson;
    assert.equal(me.session?.name, 'A. Okafor');
    const shared = await login(tc.url, CREW_PIN);
    assert.equal(shared.json.session?.role, 'crew');
    assert.equal(shared.json.session?.name, undefined, 'the shared crew PIN still works, and names nobody');
  });

  it('refuses a PIN two people share, saying why, without locking the address out', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await login(tc.url, TWIN_PIN);
      assert.equal(r.status, 409);
      assert.equal(r.json.error?.code, 'PIN_SHARED');
      assert.equal(r.cookie, '');
    }
    assert.equal((await login(tc.url, OKAFOR.pin)).status, 200, 'a shared PIN is not a wrong guess: no lockout');
  });

  it('records who sent each command, shows it in the history API, and reads it back after a restart', async () => {
    const a = await login(tc.url, OKAFOR.pin);
    const m = await login(tc.url, MENSAH.pin);
    const shared = await login(tc.url, CREW_PIN);
    const lock = await send(tc.url, { cookie: a.cookie }, 'seat.lock', { zones: ['J'] }, { reason: 'turbulence' });
    assert.deepEqual(lock.actor, { name: 'A. Okafor', role: 'crew' });
    assert.equal(lock.issuer, 'panel:A. Okafor');
    const reboot = await send(tc.url, { cookie: m.cookie }, 'seat.reboot', { zones: ['J'] });
    assert.deepEqual(reboot.actor, { name: 'B. Mensah', role: 'technician' });
    const bySharedPin = await send(tc.url, { cookie: shared.cookie }, 'seat.unlock', { zones: ['J'] }, { reason: 'clear air' });
    assert.equal(bySharedPin.actor, undefined);
    assert.equal(bySharedPin.issuer, 'panel:crew');
    const byToken = await send(tc.url, { authorization: `Bearer ${tc.controller.config.api.token}` }, 'volume.cap', { all: true }, { max: 5 });
    assert.equal(byToken.actor, undefined);

    const listed = new Map((await history(tc.url)).map((c) => [c.seq, c]));
    assert.deepEqual(listed.get(lock.seq)?.actor, { name: 'A. Okafor', role: 'crew' });
    assert.deepEqual(listed.get(reboot.seq)?.actor, { name: 'B. Mensah', role: 'technician' });
    assert.equal(listed.get(byToken.seq)?.actor, undefined);
    assert.deepEqual((await history(tc.url, `?issuer=${encodeURIComponent('panel:A. Okafor')}`)).map((c) => c.seq), [lock.seq], 'one person\'s commands, by issuer');

    // After a restart the commands come from the log, not the tracker's memory.
    await tc.stop({ keepState: true });
    const db = new Database(join(tc.stateDir, 'purser.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT seq, actor_name, actor_role FROM commands ORDER BY seq').all() as { seq: number; actor_name: string | null; actor_role: string | null }[];
      assert.deepEqual(rows.find((r) => r.seq === lock.seq), { seq: lock.seq, actor_name: 'A. Okafor', actor_role: 'crew' });
      assert.deepEqual(rows.find((r) => r.seq === byToken.seq), { seq: byToken.seq, actor_name: null, actor_role: null }, 'a record without a name, as every older one is');
    } finally {
      db.close();
    }
    tc = await startTestController(config, [commandsFeature(), panelFeature({ webRoot })], tc.stateDir);
    const again = new Map((await history(tc.url)).map((c) => [c.seq, c]));
    assert.deepEqual(again.get(lock.seq)?.actor, { name: 'A. Okafor', role: 'crew' });
    assert.deepEqual(again.get(reboot.seq)?.actor, { name: 'B. Mensah', role: 'technician' });
    assert.equal(again.get(byToken.seq)?.actor, undefined);
    assert.equal(again.get(byToken.seq)?.issuer, 'token', 'a record without a name still reads');
    const one = (await (await fetch(`${tc.url}/api/v1/commands/${lock.seq}`)).json()) as Status;
    assert.deepEqual(one.actor, { name: 'A. Okafor', role: 'crew' });

    // The audit trail: the stored events name the person too.
    const events = ((await (await fetch(`${tc.url}/api/v1/history?limit=200`)).json()) as { events: { type: string; data: Record<string, unknown> }[] }).events;
    const sent = events.find((e) => e.type === 'command.sent' && e.data.seq === lock.seq);
    assert.deepEqual(sent?.data.actor, { name: 'A. Okafor', role: 'crew' });
    assert.equal(sent?.data.by, 'panel:A. Okafor');
    const logins = events.filter((e) => e.type === 'crew.action' && e.data.action === 'session.login');
    assert.ok(logins.some((e) => e.data.by === 'panel:B. Mensah' && (e.data.actor as { role?: string } | undefined)?.role === 'technician'));
    assert.ok(logins.some((e) => e.data.by === 'panel:crew' && e.data.actor === undefined), 'a shared PIN\'s login names its role only, as before');
  });
});

describe('a command log from before people had names', () => {
  it('is carried over: its commands read as before, without an actor, beside new ones that have one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-old-log-'));
    // The log as the previous release left it: migrations 1-3, a crew command by the shared PIN.
    const old = openDatabase(join(dir, 'purser.db'), [{ feature: 'commands', migrations: COMMAND_MIGRATIONS.filter((m) => m.version <= 3) }]);
    const at = Date.now() - 1000;
    old.prepare('INSERT INTO commands (at, expires_at, target, cmd, args, issuer) VALUES (?, ?, ?, ?, ?, ?)').run(at, at + 3600_000, JSON.stringify({ zones: ['J'] }), 'seat.lock', JSON.stringify({ reason: 'turbulence' }), 'panel:crew');
    old.close();
    const built = await buildTestPanel();
    const people = [{ name: OKAFOR.name, role: 'crew', pinHash: await hashPin(OKAFOR.pin, TEST_HASH) }];
    const tc = await startTestController({ commands: { port: 20000 + Math.floor(Math.random() * 20000) }, panel: { people } }, [commandsFeature(), panelFeature({ webRoot: built.webRoot })], dir);
    try {
      const a = await login(tc.url, OKAFOR.pin);
      const mine = await send(tc.url, { cookie: a.cookie }, 'seat.unlock', { zones: ['J'] }, { reason: 'clear air' });
      const [newest, older] = await history(tc.url);
      assert.equal(newest?.seq, mine.seq);
      assert.deepEqual(newest?.actor, { name: 'A. Okafor', role: 'crew' });
      assert.equal(older?.cmd, 'seat.lock');
      assert.equal(older?.issuer, 'panel:crew');
      assert.equal(older?.actor, undefined);
    } finally {
      await tc.stop();
      await built.remove();
    }
  });
});
