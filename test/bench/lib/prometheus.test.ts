import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMetrics } from '../../../bench/lib/prometheus.js';

test('samples are keyed by series; comments and junk are skipped', () => {
  const m = parseMetrics(
    [
      '# HELP nodejs_eventloop_lag_p99_seconds The 99th percentile of the recorded event loop delays.',
      '# TYPE nodejs_eventloop_lag_p99_seconds gauge',
      'nodejs_eventloop_lag_p99_seconds 0.012',
      'purser_seat_polls_total{outcome="ok"} 1234',
      'purser_seat_polls_total{outcome="unauthorized"} 5 1763800000000',
      'not a metric line',
    ].join('\n'),
  );
  assert.equal(m.get('nodejs_eventloop_lag_p99_seconds'), 0.012);
  assert.equal(m.get('purser_seat_polls_total{outcome="ok"}'), 1234);
  assert.equal(m.get('purser_seat_polls_total{outcome="unauthorized"}'), 5);
  assert.equal(m.size, 3);
});
