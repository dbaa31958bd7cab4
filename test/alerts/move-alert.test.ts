import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Alert, AlertBook } from '../../src/alerts/alert.js';
import { ACK_ACTION, CLEAR_ACTION, reduceAlerts } from '../../src/alerts/book.js';
import { reduceMoveExpiry } from '../../src/alerts/move-alert.js';
import type { CabinEvent } from '../../src/contract/events.js';
import { panelFeature } from '../../src/panel/feature.js';
import { TEST_TOKEN } from '../helpers/commands.js';
import { startTestController, TEST_SECRET, type TestController } from '../helpers/controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { buildTestPanel } from '../panel/harness.js';

const T = 1_763_800_000_000;
const pending = (over: Partial<Extract<CabinEvent, { type: 'lru.move-pending' }>> = {}): CabinEvent => ({ type: 'lru.move-pending', seat: '40A', at: T, serial: 'SN.123', holder: 'SN456', fromSeat: null, reason: 'seat-held', ...over });

function fold(events: CabinEvent[], book: AlertBook = new Map()): AlertBook {
  for (const ev of events) book = reduceAlerts(book, ev).book;
  return book;
}

describe('a held LRU move raises an alert', () => {
  it('opens one high alert in plain words for a technician, with an id the routes accept; a replay changes nothing', () => {
    const r = reduceAlerts(new Map(), pending());
    assert.equal(r.changes.length, 1);
    const a = r.changes[0]!.alert;
    assert.equal(a.kind, 'move');
    assert.equal(a.seat, '40A');
    assert.equal(a.code, 'SN.123');
    assert.equal(a.priority, 'high');
    assert.equal(a.since, T);
    assert.equal(a.text, 'Seat 40A: unit SN.123 claims it; it is held by SN456. A technician must confirm or reject.');
    assert.match(a.id, /^[a-z]{1,16}-[A-Za-z0-9_-]{1,120}$/);
    assert.deepEqual(reduceAlerts(r.book, pending({ at: T + 1000 })).changes, [], 'the same claim again');
    assert.equal(fold([pending({ serial: 'SN789' })], r.book).size, 2, 'another unit claiming the same seat is another alert');
  });

  it('says where the claiming unit is installed', () => {
    const text = (ev: CabinEvent) => [...fold([ev]).values()][0]!.text;
    assert.equal(text(pending({ fromSeat: '40B' })), 'Seat 40A: unit SN.123 claims it; it is held by SN456. SN.123 is installed at seat 40B. A technician must confirm or reject.');
    assert.equal(text(pending({ holder: null, fromSeat: '40B', reason: 'installed-elsewhere' })), 'Seat 40A: unit SN.123 claims it; SN.123 is installed at seat 40B, which is online. A technician must confirm or reject.');
  });

  it('closes when a technician confirms or rejects that claim (or the controller confirms it), not on another unit’s decision', () => {
    const book = fold([pending()]);
    const confirmed = reduceAlerts(book, { type: 'lru.move-confirmed', seat: '40A', at: T + 5, serial: 'SN.123', fromSeat: null, by: 'panel:technician' });
    assert.equal(confirmed.book.size, 0);
    assert.deepEqual(
      confirmed.changes.map((c) => [c.op, c.op === 'close' ? c.reason : '']),
      [['close', 'resolved']],
    );
    assert.equal(fold([{ type: 'lru.move-rejected', seat: '40A', at: T + 5, serial: 'SN.123', by: 'token' }], book).size, 0);
    assert.equal(fold([{ type: 'lru.move-confirmed', seat: '40A', at: T + 5, serial: 'OTHER', fromSeat: null, by: 'controller' }], book).size, 1);
    assert.equal(fold([{ type: 'lru.move-rejected', seat: '41A', at: T + 5, serial: 'SN.123', by: 'token' }], book).size, 1);
  });

  it('the crew may acknowledge it but not clear it: only a decision ends it', () => {
    const book = fold([pending()]);
    const id = [...book.keys()][0]!;
    const crew = (action: string): CabinEvent => ({ type: 'crew.action', seat: '40A', at: T + 9, action, by: 'panel:crew', detail: id });
    const acked = fold([crew(ACK_ACTION)], book);
    assert.equal(acked.get(id)?.ackedBy, 'panel:crew');
    assert.deepEqual(reduceAlerts(acked, crew(CLEAR_ACTION)).changes, []);
  });

  it('closes when the registry no longer holds the claim waiting (expired, or forgotten by a restart)', () => {
    const book = fold([pending(), pending({ seat: '41C', serial: 'SN9' }), { type: 'call.pressed', seat: '40A', at: T }]);
    assert.deepEqual(reduceMoveExpiry(book, [{ seat: '40A', serial: 'SN.123' }, { seat: '41C', serial: 'SN9' }]).changes, []);
    const r = reduceMoveExpiry(book, [{ seat: '41C', serial: 'SN9' }]);
    assert.deepEqual(
      r.changes.map((c) => [c.op, c.alert.seat, c.alert.kind]),
      [['close', '40A', 'move']],
    );
    assert.deepEqual(
      [...r.book.values()].map((a) => a.kind).sort(),
      ['call', 'move'],
      'other alerts stay',
    );
  });

  describe('through the controller, with real polls', () => {
    let tc: TestController;
    let remove: () => Promise<void>;
    const auth = { authorization: `Bearer ${TEST_TOKEN}` };
    before(async () => {
      const built = await buildTestPanel();
      remove = built.remove;
      // Claims forgotten after 2 s unrepeated: the expiry is seen in seconds.
      tc = await startTestController({ api: { token: TEST_TOKEN }, cabin: { secret: TEST_SECRET, moveDecisionTtlMs: 2000 } }, [panelFeature({ webRoot: built.webRoot })]);
    });
    after(async () => {
      await tc?.stop();
      await remove?.();
    });

    const alerts = async () => ((await (await fetch(`${tc.url}/api/v1/alerts`)).json()) as { alerts: Alert[] }).alerts.filter((a) => a.kind === 'move');
    const metric = async (name: string) => {
      const text = await (await fetch(`${tc.url}/metrics`)).text();
      return Number(new RegExp(`^${name}\\{kind="move"\\} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    };
    // 40B's unit signs, with its own key, a poll that says it is at 40A, whose unit is online.
    const claim = () => postPoll(tc.url, pollBody('40A', { seq: 2, lru: { serial: 'GP3-40B', model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:01:2c' } }));
    const post = (path: string, body: unknown, headers: Record<string, string> = auth) => fetch(`${tc.url}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('lists the claim, counts it by kind, refuses a crew clear, and closes when the technician confirms', async () => {
      assert.equal(await metric('purser_alerts_open'), 0, 'the kind is exported from the first scrape');
      assert.equal((await postPoll(tc.url, pollBody('40A'))).status, 200);
      assert.equal((await postPoll(tc.url, pollBody('40B'))).status, 200);
      assert.equal((await claim()).status, 409);
      const [a] = await alerts();
      assert.equal(a?.seat, '40A');
      assert.equal(a?.text, 'Seat 40A: unit GP3-40B claims it; it is held by GP3-40A. GP3-40B is installed at seat 40B. A technician must confirm or reject.');
      assert.equal(await metric('purser_alerts_open'), 1);
      assert.equal(await metric('purser_alerts_raised_total'), 1);

      const clear = await post(`/api/v1/alerts/${a!.id}/clear`, {});
      assert.equal(clear.status, 409);
      assert.equal(((await clear.json()) as { error: { code: string } }).error.code, 'DECISION_NEEDED');
      assert.equal((await alerts()).length, 1, 'still open');

      assert.equal((await claim()).status, 409, 'the unit keeps asking');
      assert.equal((await post('/api/v1/moves/40A/confirm', { serial: 'GP3-40B' })).status, 200);
      assert.deepEqual(await alerts(), []);
      assert.equal(await metric('purser_alerts_open'), 0);
      assert.equal((await claim()).status, 200, 'its next poll installs it');
      assert.equal(tc.controller.ctx.registry.get('40A')?.lru?.serial, 'GP3-40B');
    });

    it('closes by itself when the claim expires unrepeated', async () => {
      assert.equal((await postPoll(tc.url, pollBody('41A'))).status, 200);
      assert.equal((await postPoll(tc.url, pollBody('41B'))).status, 200);
      assert.equal((await postPoll(tc.url, pollBody('41A', { seq: 2, lru: { serial: 'GP3-41B', model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:01:2c' } }))).status, 409);
      assert.equal((await alerts()).length, 1);
      const deadline = Date.now() + 6000;
      while ((await alerts()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await alerts(), [], 'closed within the TTL and a check');
      assert.equal(tc.controller.ctx.registry.pendingMoves().length, 0);
    });
  });
});
