import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/cli/command.js';
import { commandGroup } from '../../src/cli/commands/sim.js';

test('purser sim --command-group: the default group on loopback, another group and port, none, or a usage error', () => {
  assert.deepEqual(commandGroup(undefined, undefined), { group: '239.255.10.1', port: 5700, interface: '127.0.0.1' });
  assert.deepEqual(commandGroup('239.255.10.9:6000', '127.0.0.2'), { group: '239.255.10.9', port: 6000, interface: '127.0.0.2' });
  assert.equal(commandGroup('none', undefined), undefined);
  for (const bad of ['239.255.10.1', '239.255.10.1:0', '239.255.10.1:70000', 'group:5700', '']) {
    assert.throws(() => commandGroup(bad, undefined), UsageError, bad);
  }
});
