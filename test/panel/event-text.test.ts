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
