import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import type { DesiredState } from '../../protocols/seat-poll/types.js';
import { commandsFeature } from '../../src/commands/feature.js';
import { startTestController, type TestController } from '../helpers/controller.js';
import { randomPort, TEST_TOKEN } from '../helpers/commands.js';
import { pollBody, postPoll } from '../helpers/poll.js';

const DAY = 86_400_000;
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'purser-cmdlog-'));
  dirs.push(d);
  return d;
}

function start(dir: string, port: number, commands: Record<string, unknown> = {}): Promise<TestController> {
  return startTestController(
    { api: { token: TEST_TOKEN }, commands: { port, group: '239.255.10.1', ...commands }, multicast: { interface: '127.0.0.1', ttl: 1 } },
    [commandsFeature()],
    dir,
  );
}

async function post(url: string, body: unknown, opts: { key?: string; ttlMs?: number } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` };
  if (opts.key !== undefined) headers['idempotency-key'] = opts.key;
  const res = await fetch(`${url}/api/v1/commands${opts.ttlMs ? `?ttlMs=${opts.ttlMs}` : ''}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as { command?: { seq: number; state: string; cmd: string }; error?: { code: string } } };
}

interface Page {
  commands: { seq: number; cmd: string; state: string; issuer: string }[];
  next: number | null;
}
async function history(url: string, q = ''): Promise<Page> {
  const res = await fetch(`${url}/api/v1/commands${q}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Page;
}

const service = (tc: TestController) => tc.controller.ctx.find('commands')!;

/** A poll from a seat that has just rebooted with nothing applied: it has acknowledged nothing. */
let boot = 0;
async function freshPoll(url: string, seat: string): Promise<{ desired: DesiredState; commands: CommandBody[] }> {
  const r = await postPoll(url, pollBody(seat, { bootId: `boot-${process.pid}-${++boot}`, ackCmd: 0 }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { desired: r.body.desired, commands: r.body.commands as CommandBody[] };
}

describe('bounded command log', () => {
  it('a seat that missed everything converges after restarts from the snapshot, history pruned; seqs keep rising', async () => {
    const dir = await stateDir();
    const port = randomPort();
    const seats = ['1A', '3F', '12A', '30C', '50F'];
    let tc = await start(dir, port);
    let last = 0;
    let want: Record<string, DesiredState>;
    let issued = 0;
    try {
      const cmds: unknown[] = [
        { target: { zones: ['J'] }, cmd: 'seat.lock', args: { reason: 'turbulence' } },
        { target: { all: true }, cmd: 'message.show', args: { text: 'Fasten seat belts', level: 'warn' } },
        { target: { seats: ['12A', '30C'] }, cmd: 'volume.cap', args: { max: 3 } },
        { target: { all: true }, cmd: 'pa.begin', args: { source: 'cabin', group: '239.255.20.1:5004' } },
        { target: { zones: ['Y'] }, cmd: 'pa.begin', args: { source: 'flightdeck', group: '239.255.20.2:5004' } },
        { target: { seats: ['1A'] }, cmd: 'seat.unlock', args: { reason: 'medical' } },
        { target: { all: true }, cmd: 'channel.tune', args: { channel: 'news', group: '239.255.30.1:5000' } },
        { target: { zones: ['Y'] }, cmd: 'pa.end', args: { source: 'flightdeck' } },
        { target: { all: true }, cmd: 'media.pause', args: {} },
      ];
      for (const c of cmds) {
        const r = await post(tc.url, c, { ttlMs: 3_600_000 });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        last = r.body.command!.seq;
        issued++;
      }
      want = Object.fromEntries(await Promise.all(seats.map(async (s) => [s, (await freshPoll(tc.url, s)).desired])));
      assert.equal(want['1A']!.locked, false);
      assert.equal(want['3F']!.locked, true);
      assert.equal(want['30C']!.paOverride?.source, 'cabin', 'the flight deck handed back to the cabin PA');
    } finally {
      await tc.stop({ keepState: true });
    }

    // The snapshot covers every command; pretend they all expired 40 days ago (retention is 30).
    const db = new Database(join(dir, 'purser.db'));
    assert.equal((db.prepare('SELECT seq FROM command_snapshot').get() as { seq: number }).seq, last);
    db.prepare('UPDATE commands SET at = at - ?, expires_at = expires_at - ?').run(40 * DAY, 40 * DAY);
    db.close();

    tc = await start(dir, port);
    try {
      assert.equal(service(tc).startStats?.folded, 0, 'nothing to fold: the snapshot covers the log');
      assert.equal(await service(tc).prune(), issued, 'every command went');
      assert.deepEqual((await history(tc.url)).commands, [], 'history is empty once pruned');
      for (const s of seats) assert.deepEqual((await freshPoll(tc.url, s)).desired, want[s], `seat ${s} after prune`);
      const r = await post(tc.url, { target: { seats: ['50F'] }, cmd: 'message.clear', args: {} });
      assert.equal(r.body.command!.seq, last + 1, 'AUTOINCREMENT: no seq is reused after every row was pruned');
      last = r.body.command!.seq;
      want['50F'] = { ...want['50F']!, message: null };
    } finally {
      await tc.stop({ keepState: true });
    }

    // Kill-like stop: the snapshot from stop() is removed, so start-up folds what follows the older one.
    const db2 = new Database(join(dir, 'purser.db'));
    db2.prepare('UPDATE command_snapshot SET seq = ?').run(last - 1);
    db2.close();
    tc = await start(dir, port);
    try {
      assert.equal(service(tc).startStats?.folded, 1);
      for (const s of seats) assert.deepEqual((await freshPoll(tc.url, s)).desired, want[s], `seat ${s} after the last restart`);
      assert.ok(!(await freshPoll(tc.url, '1A')).commands.some((c) => c.seq <= last - 1), 'expired commands are not carried');
    } finally {
      await tc.stop();
    }
  });

  it('the same request twice, across a restart, is one command; the key with another body is 422', async () => {
    const dir = await stateDir();
    const port = randomPort();
    const body = { target: { zones: ['J'] }, cmd: 'seat.lock', args: { reason: 'power cut test' } };
    let tc = await start(dir, port);
    let seq: number;
    try {
      const first = await post(tc.url, body, { key: 'click-7f3a' });
      assert.equal(first.status, 201);
      assert.equal(first.replayed, null);
      seq = first.body.command!.seq;
    } finally {
      await tc.stop({ keepState: true });
    }
    tc = await start(dir, port);
    try {
      const again = await post(tc.url, { ...body, args: { reason: 'power cut test' } }, { key: 'click-7f3a' });
      assert.equal(again.status, 201);
      assert.equal(again.replayed, 'true');
      assert.equal(again.body.command!.seq, seq);
      assert.equal(again.body.command!.cmd, 'seat.lock');
      assert.equal((await history(tc.url)).commands.length, 1, 'one command in the log');
      const other = await post(tc.url, { ...body, args: { reason: 'other' } }, { key: 'click-7f3a' });
      assert.deepEqual([other.status, other.body.error?.code], [422, 'IDEMPOTENCY_KEY_REUSED']);
      const ttl = await post(tc.url, body, { key: 'click-7f3a', ttlMs: 5000 });
      assert.equal(ttl.status, 422, 'another ttl is another request');
      for (const bad of ['', 'has space', 'x'.repeat(129), 'é']) {
        const r = await fetch(`${tc.url}/api/v1/commands`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}`, 'idempotency-key': Buffer.from(bad, 'utf8').toString('latin1') }, body: JSON.stringify(body) });
        const j = (await r.json()) as { error?: { code: string } };
        assert.deepEqual([r.status, j.error?.code], [400, 'INVALID_IDEMPOTENCY_KEY'], JSON.stringify(bad));
      }
      const fresh = await post(tc.url, body, { key: 'x'.repeat(128) });
      assert.equal(fresh.status, 201);
      assert.equal(fresh.body.command!.seq, seq + 1, 'a new key is a new command; refused ones took no seq');
      assert.equal((await history(tc.url)).commands.length, 2);
    } finally {
      await tc.stop();
    }
  });

  it('lists the history newest first, expired or not, across a restart, with filters and a next cursor', async () => {
    const dir = await stateDir();
    const port = randomPort();
    let tc = await start(dir, port);
    const seqs: number[] = [];
    try {
      for (let i = 0; i < 7; i++) {
        const cmd = i % 3 === 0 ? { target: { all: true }, cmd: 'seat.lock', args: { reason: `r${i}` } } : { target: { zones: ['Y'] }, cmd: 'media.pause', args: {} };
        seqs.push((await post(tc.url, cmd, i < 4 ? { ttlMs: 1000 } : {})).body.command!.seq);
      }
      await new Promise((r) => setTimeout(r, 1300)); // the first four expire
    } finally {
      await tc.stop({ keepState: true });
    }
    tc = await start(dir, port);
    try {
      const all = await history(tc.url);
      assert.deepEqual(all.commands.map((c) => c.seq), [...seqs].reverse(), 'every command, newest first');
      assert.equal(all.next, null);
      assert.deepEqual(all.commands.filter((c) => c.state === 'expired').map((c) => c.seq), seqs.slice(0, 4).reverse());
      assert.ok(all.commands.every((c) => c.issuer === 'token'));
      assert.deepEqual((await history(tc.url, '?limit=100')).commands.length, 7, "the panel's query");
      // Paging: 3 at a time until next is null.
      const paged: number[] = [];
      let q = '?limit=3';
      for (let n = 0; n < 5; n++) {
        const p = await history(tc.url, q);
        paged.push(...p.commands.map((c) => c.seq));
        if (p.next === null) break;
        q = `?limit=3&before=${p.next}`;
      }
      assert.deepEqual(paged, [...seqs].reverse());
      assert.deepEqual((await history(tc.url, '?cmd=seat.lock')).commands.map((c) => c.seq), [seqs[6], seqs[3], seqs[0]]);
      assert.deepEqual((await history(tc.url, '?state=expired&cmd=media.pause')).commands.map((c) => c.seq), [seqs[2], seqs[1]]);
      assert.deepEqual((await history(tc.url, '?state=pending')).commands.map((c) => c.seq), [seqs[6], seqs[5], seqs[4]]);
      assert.deepEqual((await history(tc.url, `?before=${seqs[1]}`)).commands.map((c) => c.seq), [seqs[0]]);
      assert.deepEqual(await history(tc.url, '?issuer=nobody'), { commands: [], next: null });
      const one = (await (await fetch(`${tc.url}/api/v1/commands/${seqs[0]}`)).json()) as { state: string; targeted: number };
      assert.deepEqual([one.state, one.targeted], ['expired', 300], 'an expired command from before the restart is still there by seq');
      for (const bad of ['?state=lost', '?limit=0', '?limit=501', '?before=x']) {
        const r = await fetch(`${tc.url}/api/v1/commands${bad}`);
        assert.equal(r.status, 400, bad);
      }
    } finally {
      await tc.stop();
    }
  });
});
