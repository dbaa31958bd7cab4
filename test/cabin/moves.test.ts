import { EventBus } from '../../src/contract/event-bus.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeatRegistry, type RegistryOptions } from '../../src/cabin/registry.js';
import type { CabinEvent } from '../../src/contract/events.js';
import { buildLayout, DEFAULT_LAYOUT } from '../../src/config/layout.js';
import type { LruInfo, PollRequest } from '../../protocols/seat-poll/types.js';
import { pollBody } from '../helpers/poll.js';

const unit = (serial: string): LruInfo => ({ serial, model: 'gp3', firmware: '2.4.1', mac: '02:00:00:00:00:01' });

/** A registry on virtual time (moveHoldMs 60 s), polls by seat and serial with their own seq. */
function harness(options: RegistryOptions = { moveHoldMs: 60_000 }) {
  const reg = new SeatRegistry(buildLayout(DEFAULT_LAYOUT), 1000, new EventBus(), options);
  const events: CabinEvent[] = [];
  reg.bus.events$.subscribe((e) => events.push(e));
  let mono = 0;
  const wall0 = 1_763_800_000_000;
  const now = () => ({ mono, wall: wall0 + mono });
  const seqs = new Map<string, number>();
  return {
    reg,
    events,
    advance(ms: number) {
      mono += ms;
      reg.tick(now());
    },
    poll(seat: string, serial: string, over: Partial<PollRequest> = {}) {
      const key = `${serial}/${over.bootId ?? 'boot-1'}`;
      const seq = (seqs.get(key) ?? 0) + 1;
      seqs.set(key, seq);
      return reg.accept(pollBody(seat, { seq, lru: unit(serial), ...over }), now());
    },
    lruEvents: () => events.filter((e) => e.type.startsWith('lru.')).map((e) => `${e.type}@${e.seat}:${(e as { serial: string }).serial}`),
  };
}

describe('LRU moves held for a technician (virtual time)', () => {
  it('a brand-new unit at an empty seat is installed at once', () => {
    const h = harness();
    const v = h.poll('5A', 'NEW-1');
    assert.equal(v.ok, true);
    assert.equal(h.reg.get('5A')?.lru?.serial, 'NEW-1');
    assert.deepEqual(h.lruEvents(), ['lru.installed@5A:NEW-1']);
  });

  it('a unit claiming a seat whose unit is online is held, changes nothing, and is published once', () => {
    const h = harness();
    h.poll('40A', 'A');
    h.poll('40B', 'B');
    for (let i = 0; i < 5; i++) {
      h.advance(500);
      h.poll('40A', 'A');
      h.poll('40B', 'B');
      const v = h.poll('40A', 'B', { inputs: { call: { on: true, sinceMs: 1 } } });
      assert.deepEqual(v.ok ? 'applied' : v.code, 'MOVE_PENDING');
    }
    assert.equal(h.reg.get('40A')?.lru?.serial, 'A');
    assert.equal(h.reg.get('40A')?.inputs.call?.on, false);
    assert.equal(h.reg.get('40B')?.lru?.serial, 'B');
    const pending = h.events.filter((e) => e.type === 'lru.move-pending');
    assert.equal(pending.length, 1);
    assert.deepEqual(pending[0], { ...pending[0], seat: '40A', serial: 'B', holder: 'A', fromSeat: '40B', reason: 'seat-held' });
    assert.deepEqual(h.reg.pendingMoves().map((m) => `${m.seat}:${m.serial}`), ['40A:B']);
  });

  it('a real swap: the new unit is held while the old one was heard within moveHoldMs, then installed without anyone', () => {
    const h = harness();
    h.poll('12C', 'OLD');
    h.advance(20_000); // the old unit is pulled; the new one boots and polls
    assert.equal((h.poll('12C', 'NEW') as { code?: string }).code, 'MOVE_PENDING');
    h.advance(39_000);
    assert.equal((h.poll('12C', 'NEW') as { code?: string }).code, 'MOVE_PENDING', '59 s after the old unit was heard: still held');
    h.advance(1500);
    const v = h.poll('12C', 'NEW');
    assert.equal(v.ok, true);
    assert.equal(h.reg.get('12C')?.lru?.serial, 'NEW');
    assert.deepEqual(h.lruEvents(), ['lru.installed@12C:OLD', 'lru.move-pending@12C:NEW', 'lru.move-confirmed@12C:NEW', 'lru.removed@12C:OLD', 'lru.installed@12C:NEW']);
    const confirmed = h.events.find((e) => e.type === 'lru.move-confirmed');
    assert.equal(confirmed && 'by' in confirmed && confirmed.by, 'controller');
    assert.deepEqual(h.reg.pendingMoves(), []);
  });

  it('a technician confirms a held move: the next poll installs it, even with the old unit still polling', () => {
    const h = harness();
    h.poll('3B', 'OLD');
    h.poll('3B', 'NEW');
    assert.deepEqual(h.reg.confirmMove('3B', 'NOPE', 'tech-7'), { ok: false, reason: 'no-such-claim' });
    assert.deepEqual(h.reg.confirmMove('99Z', 'NEW', 'tech-7'), { ok: false, reason: 'unknown-seat' });
    const d = h.reg.confirmMove('3B', 'NEW', 'tech-7');
    assert.equal(d.ok, true);
    h.advance(1000);
    assert.equal(h.poll('3B', 'NEW').ok, true);
    assert.equal(h.reg.get('3B')?.lru?.serial, 'NEW');
    // The pulled unit, still powered on a bench, now claims a seat another unit holds: held in its turn.
    assert.equal((h.poll('3B', 'OLD') as { code?: string }).code, 'MOVE_PENDING');
    const confirmed = h.events.filter((e) => e.type === 'lru.move-confirmed');
    assert.deepEqual(confirmed.map((e) => (e as { by: string }).by), ['tech-7']);
  });

  it('a technician rejects a claim: its polls are refused MOVE_REJECTED, also after the seat unit goes silent', () => {
    const h = harness();
    h.poll('8D', 'A');
    h.poll('8D', 'EVIL');
    assert.equal(h.reg.rejectMove('8D', 'EVIL', 'tech-2').ok, true);
    h.advance(61_000);
    const v = h.poll('8D', 'EVIL');
    assert.equal(v.ok ? 'applied' : v.code, 'MOVE_REJECTED');
    assert.equal(h.reg.get('8D')?.lru?.serial, 'A');
    assert.deepEqual(h.lruEvents(), ['lru.installed@8D:A', 'lru.move-pending@8D:EVIL', 'lru.move-rejected@8D:EVIL']);
  });

  it('a listed claim says when it expires: moveDecisionTtlMs after its last poll while waiting, the decision\'s end once decided', () => {
    const h = harness({ moveHoldMs: 60_000, moveDecisionTtlMs: 300_000 });
    h.poll('6F', 'A');
    h.poll('6F', 'B');
    const first = h.reg.pendingMoves()[0]!;
    assert.equal(first.expiresAt, first.lastAt + 300_000);
    h.advance(2000);
    h.poll('6F', 'A');
    h.poll('6F', 'B');
    const repeated = h.reg.pendingMoves()[0]!;
    assert.equal(repeated.expiresAt, first.expiresAt + 2000, 'a claim made again is kept longer');
    const d = h.reg.rejectMove('6F', 'B', 'tech-1');
    assert.ok(d.ok);
    const decided = h.reg.pendingMoves()[0]!;
    assert.equal(decided.expiresAt, decided.decision!.at + 300_000);
    assert.equal(decided.expiresAt, decided.decidedUntil);
  });

  it('a unit installed at another seat that is online is held at an empty seat; once that seat is offline it moves', () => {
    const h = harness();
    h.poll('7C', 'B');
    const v = h.poll('9A', 'B');
    assert.equal(v.ok ? 'applied' : v.code, 'MOVE_PENDING');
    assert.equal(h.events.find((e) => e.type === 'lru.move-pending' && e.reason === 'installed-elsewhere')?.seat, '9A');
    assert.equal(h.reg.get('9A')?.lru, null);
    h.advance(3500); // a physical move: 7C is offline before the unit polls from 9A
    assert.equal(h.poll('9A', 'B').ok, true);
    assert.equal(h.reg.get('9A')?.lru?.serial, 'B');
    assert.equal(h.reg.get('7C')?.lru, null);
  });

  it('after a controller restart the hold is measured from the last poll before it (wall clock)', () => {
    const h = harness();
    h.poll('4E', 'A');
    const reg2 = new SeatRegistry(buildLayout(DEFAULT_LAYOUT), 1000, new EventBus(), { moveHoldMs: 60_000 });
    reg2.restore(JSON.parse(JSON.stringify(h.reg.takeDirty())));
    const wall = h.reg.get('4E')!.lastPollAt! + 10_000;
    const v = reg2.accept(pollBody('4E', { lru: unit('B') }), { mono: 0, wall });
    assert.equal(v.ok ? 'applied' : v.code, 'MOVE_PENDING');
    assert.equal(reg2.get('4E')?.lru?.serial, 'A');
  });
});
