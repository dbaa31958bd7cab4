import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTable } from '../../../bench/lib/table.js';

test('columns line up, numbers to the right', () => {
  assert.equal(
    formatTable(['', 'controller', 'peer'], [['p99, ms', 4.2, 12.75], ['stopped by', 'errors', '-']]),
    ['            controller  peer', '----------  ----------  -----', 'p99, ms            4.2  12.75', 'stopped by  errors      -'].join('\n'),
  );
});
