import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { FAULT_TABLE, faultInfo } from '../../src/alerts/fault-table.js';

it('every fault has a plain meaning and a suggested action, known or not', () => {
  for (const [code, f] of Object.entries(FAULT_TABLE)) {
    assert.ok(f.title && f.meaning.endsWith('.') && f.action.endsWith('.'), code);
    assert.doesNotMatch(f.title, /_/, 'titles are words, not codes');
  }
  assert.equal(faultInfo('SCREEN_BACKLIGHT').title, 'Screen backlight');
  assert.equal(faultInfo('FAN_STALL').title, 'Fan stall', 'an unknown code is made readable');
  fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty')), (code) => {
    const f = faultInfo(code);
    assert.equal(typeof f.title, 'string');
    assert.equal(typeof f.action, 'string');
  }));
});
