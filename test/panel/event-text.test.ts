import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventText } from '../../src/panel/web/event-text.js';

describe("a crew action in the seat's history", () => {
  it('names the person when the record does, and reads an older record by its issuer', () => {
    assert.equal(eventText('crew.action', { action: 'alert.ack', by: 'panel:A. Okafor', actor: { name: 'A. Okafor', role: 'crew' } }), 'Alert acknowledged by A. Okafor');
    assert.equal(eventText('crew.action', { action: 'alert.ack', by: 'panel:A. Okafor' }), 'Alert acknowledged by A. Okafor', 'a person\'s principal name alone');
    assert.equal(eventText('crew.action', { action: 'alert.clear', by: 'panel:crew' }), 'Alert cleared by crew', 'an older record, as before');
    assert.equal(eventText('crew.action', { action: 'alert.clear', by: 'token', actor: { name: 42 } }), 'Alert cleared by token', 'a malformed actor is ignored');
  });
});

describe("a held unit move in the seat's history", () => {
  it('says who claimed the seat and who decided, in words', () => {
    assert.equal(eventText('lru.move-pending', { serial: 'GP3-9', holder: 'GP3-1', fromSeat: null, reason: 'seat-held' }), 'Unit GP3-9 claimed this seat (held by GP3-1): held for a technician');
    assert.equal(eventText('lru.move-pending', { serial: 'GP3-9', holder: null, fromSeat: '2C', reason: 'installed-elsewhere' }), 'Unit GP3-9 claimed this seat: held for a technician');
    assert.equal(eventText('lru.move-confirmed', { serial: 'GP3-9', by: 'controller' }), 'Unit GP3-9 confirmed here (the old unit fell silent)');
    assert.equal(eventText('lru.move-rejected', { serial: 'GP3-9', by: 'panel:A. Okafor' }), 'Unit GP3-9 rejected here by A. Okafor');
  });
});
