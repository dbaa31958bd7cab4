import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { spawnController } from '../helpers/spawn-controller.js';
import { pollBody, postPoll } from '../helpers/poll.js';
import { TEST_SECRET } from '../helpers/controller.js';

const cabin = { secret: TEST_SECRET };

describe('controller restart', () => {
  it('after kill -9 under load, restores inventory, last-known state and LRU history', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'purser-restart-'));
    try {
      const first = await spawnController(dir, { cabin });
      const seats = ['1A', '1B', '2C', '10D', '30F', '50A'];
      // Seat 2C gets a new LRU (a swap); 10D reports a fault; 1A holds the call button.
      await postPoll(first.url, pollBody('2C', { lru: { serial: 'GP3-OLD', model: 'gp3', firmware: '2.4.0', mac: '02:00:00:00:00:09' } }));
      // The new unit's claim on a seat whose unit is online is held until a technician confirms the swap.
      const claim = await postPoll(first.url, pollBody('2C'));
      assert.equal(claim.status, 409);
      const confirmed = await fetch(`${first.url}/api/v1/moves/2C/confirm`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${(await readFile(join(dir, 'api.token'), 'utf8')).trim()}` }, body: JSON.stringify({ serial: 'GP3-2C' }) });
      assert.equal(confirmed.status, 200, await confirmed.text());
      let seq = 1;
      const load = (async () => {
        for (;;) {
          seq++;
          const polls = seats.map((s) =>
            postPoll(first.url, pollBody(s, {
              seq,
              faults: s === '10D' ? [{ code: 'DISK_SMART', severity: 'warn', sinceMs: 100 }] : [],
              inputs: { call: { on: s === '1A', sinceMs: 100 } },
              media: { state: 'playing', item: `movie-${s}`, positionMs: seq * 1000 },
            })).catch(() => undefined),
          );
          await Promise.all(polls);
          if (first.proc.exitCode !== null || first.proc.signalCode) return;
          await sleep(50);
        }
      })();
      await sleep(2500); // more than one write-behind interval
      first.proc.kill('SIGKILL');
      await load;

      const second = await spawnController(dir, { cabin });
      try {
        const inv = (await (await fetch(`${second.url}/api/v1/inventory`)).json()) as { lrus: { serial: string; seat: string | null }[] };
        const bySerial = new Map(inv.lrus.map((l) => [l.serial, l.seat]));
        for (const s of seats) assert.equal(bySerial.get(`GP3-${s}`), s, `LRU of ${s} in inventory`);
        assert.equal(bySerial.get('GP3-OLD'), null, 'the swapped-out LRU is no longer seated');

        const detail = (await (await fetch(`${second.url}/api/v1/seats/2C`)).json()) as {
          seat: { status: string; lru: { serial: string }; media: { item: string } };
          lruHistory: { serial: string; action: string }[];
        };
        assert.equal(detail.seat.status, 'offline', 'not heard since the restart');
        assert.equal(detail.seat.lru.serial, 'GP3-2C');
        assert.equal(detail.seat.media.item, 'movie-2C');
        assert.deepEqual(detail.lruHistory.map((h) => `${h.action}:${h.serial}`), ['installed:GP3-OLD', 'removed:GP3-OLD', 'installed:GP3-2C']);

        const d10 = (await (await fetch(`${second.url}/api/v1/seats/10D`)).json()) as { seat: { faults: { code: string }[] }; events: { type: string }[] };
        assert.deepEqual(d10.seat.faults.map((f) => f.code), ['DISK_SMART']);
        assert.ok(d10.events.some((e) => e.type === 'fault.raised'));
        const d1 = (await (await fetch(`${second.url}/api/v1/seats/1A`)).json()) as { events: { type: string }[] };
        assert.ok(d1.events.some((e) => e.type === 'call.pressed'));

        // A seat that polls again is online, and its held call button is not a second press.
        const r = await postPoll(second.url, pollBody('1A', { seq: seq + 1, inputs: { call: { on: true, sinceMs: 9000 } } }));
        assert.equal(r.status, 200);
        await sleep(1200);
        const d1b = (await (await fetch(`${second.url}/api/v1/seats/1A`)).json()) as { seat: { status: string }; events: { type: string }[] };
        assert.equal(d1b.seat.status, 'online');
        assert.equal(d1b.events.filter((e) => e.type === 'call.pressed').length, 1);
      } finally {
        assert.equal(await second.stop(), 0, 'SIGTERM stops cleanly with exit 0');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
