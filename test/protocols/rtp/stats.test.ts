import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SourceStats, SourceStatsTable, type Arrival } from '../../../protocols/rtp/stats.js';

/** Feeds 20 ms L16 packets (960 timestamp units each), arriving exactly on time unless told otherwise. */
function feed(stats: SourceStats, seqs: number[], arrivalMs = (i: number) => 20 * i): Arrival[] {
  return seqs.map((seq, i) => stats.update(seq & 0xffff, (seq * 960) >>> 0, arrivalMs(i), 48_000));
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test('a clean stream has no loss, no reordering and no jitter', () => {
  const s = new SourceStats(1);
  feed(s, range(100, 200));
  assert.deepEqual(s.snapshot(), { ssrc: 1, packets: 100, lost: 0, late: 0, duplicates: 0, restarts: 0, jitterMs: 0 });
});

test('missing sequence numbers count as lost', () => {
  const s = new SourceStats(1);
  feed(s, range(0, 100).filter((n) => n % 10 !== 5));
  assert.equal(s.snapshot().lost, 10);
});

test('a reordered packet is late, not lost; a repeated one is a duplicate', () => {
  const s = new SourceStats(1);
  assert.deepEqual(feed(s, [1, 2, 4, 3, 5, 5, 3]), ['first', 'in-order', 'in-order', 'late', 'in-order', 'duplicate', 'duplicate']);
  assert.deepEqual({ ...s.snapshot(), jitterMs: 0 }, { ssrc: 1, packets: 7, lost: 0, late: 1, duplicates: 2, restarts: 0, jitterMs: 0 });
});

test('the sequence number wraps at 65536 without counting a loss', () => {
  const s = new SourceStats(1);
  feed(s, range(65_500, 65_600).filter((n) => n !== 65_535));
  assert.equal(s.snapshot().lost, 1);
  // The missing one, arriving after the wrap, is late, and makes the stream whole.
  assert.equal(s.update(65_535, 0, 5_000, 48_000), 'late');
  assert.equal(s.snapshot().lost, 0);
});

test('one wild sequence number is dropped; two in a row mean the sender restarted', () => {
  const s = new SourceStats(1);
  feed(s, range(0, 10));
  assert.equal(s.update(40_000, 0, 200, 48_000), 'jump');
  assert.equal(s.update(11, 0, 220, 48_000), 'in-order');
  assert.equal(s.update(20_000, 0, 240, 48_000), 'jump');
  assert.equal(s.update(20_001, 0, 260, 48_000), 'restart');
  assert.equal(s.update(20_002, 0, 280, 48_000), 'in-order');
  // 10 never came before the restart: one loss, kept across it.
  assert.equal(s.snapshot().lost, 1);
  assert.equal(s.snapshot().restarts, 1);
});

test('jitter follows RFC 3550 A.8 in the payload clock: packets alternately 4 ms late read about 4 ms', () => {
  const s = new SourceStats(1);
  feed(s, range(0, 500), (i) => 20 * i + (i % 2 ? 4 : 0));
  assert.ok(Math.abs(s.snapshot().jitterMs - 4) < 0.01, String(s.snapshot().jitterMs));
});

test('jitter uses the clock rate of the payload: PCMU timestamps run at 8 kHz', () => {
  const s = new SourceStats(1);
  for (let i = 0; i < 100; i++) s.update(i, i * 160, 20 * i, 8_000);
  assert.equal(s.snapshot().jitterMs, 0);
});

test('the table forgets the least recently heard SSRC beyond its capacity', () => {
  const t = new SourceStatsTable(2);
  t.update(1, 0, 0, 0, 8000);
  t.update(2, 0, 0, 0, 8000);
  t.update(1, 1, 160, 20, 8000);
  t.update(3, 0, 0, 40, 8000);
  assert.deepEqual(t.snapshot().map((s) => s.ssrc).sort(), [1, 3]);
});

test('fuzz: any arrival order never throws, never reports negative loss, counts every packet', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ seq: fc.integer({ min: 0, max: 0xffff }), ts: fc.nat({ max: 0xffffffff }), at: fc.nat(1e7) }), { maxLength: 300 }), (packets) => {
      const s = new SourceStats(9);
      for (const p of packets) s.update(p.seq, p.ts, p.at, 48_000);
      const snap = s.snapshot();
      assert.equal(snap.packets, packets.length);
      assert.ok(snap.lost >= 0 && Number.isFinite(snap.jitterMs));
    }),
  );
});
