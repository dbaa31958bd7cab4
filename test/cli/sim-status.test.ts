import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatStatus } from '../../src/cli/commands/sim.js';

const window = { elapsedMs: 5000, sent: 1500, ok: 1490, dropped: 0, datagrams: { heard: 30, lost: 0 }, failed: 10, errors: { '503': 10 }, latencyMs: { count: 1490, p50: 1.2, p99: 4.5, max: 9 } } satisfies Parameters<typeof formatStatus>[1];

test('the sim status line: polls, errors by kind, latency, and what the seats heard of the channels', () => {
  const plain = formatStatus(300, window);
  assert.equal(plain, '300 seats  300.0 polls/s  ok 298.0/s  dropped 0  errors 10 (503×10)  p50 1.2 ms  p99 4.5 ms  datagrams 30');
  const group = { group: '239.255.30.1:5000', seats: 300, packets: 9000, datagrams: 1286, ccErrors: 2, syncErrors: 0, sawPat: true, sawPmt: true, receiving: true };
  const tuned = formatStatus(300, { ...window, ts: { groups: [group, { ...group, group: '239.255.30.2:5000' }], packets: 18_000, ccErrors: 2, syncErrors: 0 } });
  assert.match(tuned, /  TS 18000 packets on 2 groups \(cc errors 2, sync errors 0\)$/);
  assert.equal(formatStatus(300, { ...window, ts: { groups: [], packets: 0, ccErrors: 0, syncErrors: 0 } }), plain, 'nothing about TS before a seat tunes in');
});
