import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasRole, roleForCommand } from '../../src/auth/principal.js';

describe('who may issue what', () => {
  it('crew may reboot one seat; several seats, a zone or the cabin need a technician', () => {
    assert.equal(roleForCommand('seat.reboot', { seats: ['12A'] }), 'crew');
    assert.equal(roleForCommand('seat.reboot', { seats: ['12A', '12B'] }), 'technician');
    assert.equal(roleForCommand('seat.reboot', { zones: ['J'] }), 'technician');
    assert.equal(roleForCommand('seat.reboot', { all: true }), 'technician');
    assert.equal(roleForCommand('seat.reboot', { seats: ['12A'], all: true }), 'technician', 'no smuggling a wider target beside one seat');
    assert.equal(roleForCommand('seat.reboot'), 'technician');
    assert.equal(roleForCommand('firmware.update', { seats: ['12A'] }), 'technician');
    assert.equal(roleForCommand('seat.lock', { all: true }), 'crew');
  });

  it('roles rank readonly < crew < technician', () => {
    const p = (role: 'readonly' | 'crew' | 'technician') => ({ role, name: role, via: 'token' as const });
    assert.equal(hasRole(p('technician'), 'crew'), true);
    assert.equal(hasRole(p('crew'), 'technician'), false);
    assert.equal(hasRole(p('readonly'), 'crew'), false);
  });
});
