import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlertBook } from '../../src/alerts/alert.js';
import { ACK_ACTION, CLEAR_ACTION, reduceAlerts, reduceEntityAlerts } from '../../src/alerts/book.js';
import type { Entity } from '../../src/contract/entities.js';

const drive = (state: string, over: Partial<Entity> = {}, attributes: Record<string, unknown> = {}): Entity => ({
  id: 'drive:usb-1-2',
  kind: 'drive',
  name: 'USB device 1-2',
  state,
  attributes: { error: { code: 'not-mass-storage', message: 'a USB keyboard is not allowed' }, alert: 'A USB keyboard was plugged into the head-end and refused. Remove it: only signed content drives are used.', ...attributes },
  changedAt: 5000,
  updatedAt: 5000,
  ...over,
});
const set = (book: AlertBook, entity: Entity) => reduceEntityAlerts(book, { type: 'set', entity });

describe('a refused USB device raises an alert', () => {
  it('opens one alert per device in plain words, however often its entity is written', () => {
    const r = set(new Map(), drive('refused'));
    assert.equal(r.changes.length, 1);
    const a = [...r.book.values()][0]!;
    assert.equal(a.kind, 'usb');
    assert.equal(a.seat, '');
    assert.equal(a.code, 'drive:usb-1-2');
    assert.equal(a.priority, 'high', 'a keyboard on the head-end may be tampering');
    assert.equal(a.text, 'A USB keyboard was plugged into the head-end and refused. Remove it: only signed content drives are used.');
    assert.match(a.id, /^[a-z]{1,16}-[A-Za-z0-9_-]{1,120}$/, 'an id the ack/clear routes accept');
    assert.deepEqual(set(r.book, drive('refused', { updatedAt: 9000 })).changes, []);
    const other = set(r.book, drive('refused', { id: 'drive:HOLIDAY', name: 'Content drive HOLIDAY' }, { error: { code: 'unsupported-filesystem' }, alert: 'A USB drive (HOLIDAY) was plugged into the head-end and refused: unsupported filesystem vfat.' }));
    assert.equal(other.book.size, 2, 'another device, another alert');
    assert.equal([...other.book.values()].find((x) => x.code === 'drive:HOLIDAY')?.priority, 'normal', 'a wrong drive is the crew’s own mistake');
  });

  it('closes when the device is removed, or replugged and accepted, or its entity goes', () => {
    const { book } = set(new Map(), drive('refused'));
    for (const state of ['removed', 'inserted', 'verifying']) {
      const r = set(book, drive(state, { changedAt: 6000 }));
      assert.equal(r.book.size, 0, state);
      assert.deepEqual(r.changes.map((c) => [c.op, c.op === 'close' && c.reason]), [['close', 'resolved']]);
    }
    assert.equal(reduceEntityAlerts(book, { type: 'removed', id: 'drive:usb-1-2', kind: 'drive' }).book.size, 0);
    assert.deepEqual(set(book, { ...drive('removed'), id: 'drive:other' }).changes, [], 'another drive’s removal leaves it open');
  });

  it('is cleared by an acknowledgement (or a clear), by whom it says', () => {
    const { book } = set(new Map(), drive('refused'));
    const id = [...book.keys()][0]!;
    for (const action of [ACK_ACTION, CLEAR_ACTION]) {
      const r = reduceAlerts(book, { type: 'crew.action', seat: null, at: 7000, action, by: 'panel:crew', detail: id });
      assert.equal(r.book.size, 0, action);
      assert.deepEqual(r.changes.map((c) => c.op === 'close' && [c.reason, c.by]), [['cleared', 'panel:crew']]);
    }
  });

  it('does not trust a refusal restored from before a restart: the device may have gone', () => {
    const { book } = set(new Map(), drive('refused'));
    assert.equal(set(book, drive('refused', {}, { restored: true })).book.size, 0, 'an open alert closes');
    assert.equal(set(new Map(), drive('refused', {}, { restored: true })).book.size, 0, 'none opens');
  });

  it('falls back to the entity’s name and message when the drive carries no alert sentence, and keeps odd labels out of the id', () => {
    const r = set(new Map(), drive('refused', { id: 'drive:Ünï côdé/../x' }, { alert: undefined, error: null, message: 'Not used: something.' }));
    const a = [...r.book.values()][0]!;
    assert.equal(a.text, 'USB device 1-2 was refused: Not used: something.');
    assert.match(a.id, /^[a-z]{1,16}-[A-Za-z0-9_-]{1,120}$/);
  });
});
