import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatStatus, StatusPublisher, type DegradedService } from '../../src/systemd/status.js';

test('the STATUS= line: seats online, then what is degraded and why', () => {
  assert.equal(formatStatus({ seatsOnline: 320, seatsTotal: 320, degraded: [] }), '320/320 seats online');
  assert.equal(
    formatStatus({
      seatsOnline: 312,
      seatsTotal: 320,
      degraded: [{ name: 'channels', reason: 'VLC restarting' }, { name: 'pa' }],
    }),
    '312/320 seats online; degraded: channels (VLC restarting), pa',
  );
  assert.equal(formatStatus({ seatsOnline: NaN, seatsTotal: -1, degraded: [] }), '?/? seats online');
});

test('formatStatus is one line whatever the names (fuzz)', () => {
  const svc = fc.record({ name: fc.string(), reason: fc.option(fc.string(), { nil: undefined }) });
  fc.assert(
    fc.property(fc.integer(), fc.integer(), fc.array(svc, { maxLength: 5 }), (on, total, degraded) => {
      const line = formatStatus({ seatsOnline: on, seatsTotal: total, degraded });
      assert.ok(!/[\r\n]/.test(line));
      assert.match(line, /^(\d+|\?)\/(\d+|\?) seats online/);
    }),
  );
});

test('StatusPublisher sends only when the line changes, and survives a throwing callback', () => {
  const sent: string[] = [];
  let online = 310;
  let degraded: DegradedService[] = [{ name: 'channels', reason: 'VLC restarting' }];
  let broken = false;
  const p = new StatusPublisher({
    notifier: { status: (t) => sent.push(t) },
    seats: () => {
      if (broken) throw new Error('cabin not started');
      return { online, total: 320 };
    },
    degraded: () => degraded,
    log: { info: () => undefined, warn: () => undefined },
  });
  p.publish();
  p.publish();
  online = 312;
  p.publish();
  degraded = [];
  p.publish();
  broken = true;
  assert.equal(p.publish(), undefined);
  assert.deepEqual(sent, [
    '310/320 seats online; degraded: channels (VLC restarting)',
    '312/320 seats online; degraded: channels (VLC restarting)',
    '312/320 seats online',
  ]);
});
