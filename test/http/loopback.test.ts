import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback } from '../../src/http/transport.js';

describe('the connection cap exempts this machine, whichever loopback address a client binds', () => {
  it('all of 127.0.0.0/8 and ::1, plain or IPv4-mapped; nothing else', () => {
    for (const a of ['127.0.0.1', '127.0.0.5', '127.255.255.254', '::1', '::ffff:127.0.0.3']) assert.equal(isLoopback(a), true, a);
    for (const a of ['10.0.0.7', '192.168.1.2', '::ffff:10.1.1.1', '128.0.0.1', 'fe80::1', '', '1270.0.0.1']) assert.equal(isLoopback(a), false, a);
  });
});
