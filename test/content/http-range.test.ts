import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decideRange, etagMatches } from '../../src/content/http-range.js';
import { signContentRequest, verifyContentRequest } from '../../src/content/seat-auth.js';

test('single ranges, suffixes, open ends; multi-range and garbage are ignored (200); past the end is 416', () => {
  assert.deepEqual(decideRange('bytes=0-9', 100), { kind: 'partial', start: 0, end: 9 });
  assert.deepEqual(decideRange('bytes=90-', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(decideRange('bytes=-5', 100), { kind: 'partial', start: 95, end: 99 });
  assert.deepEqual(decideRange('bytes=90-500', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(decideRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(decideRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(decideRange('bytes=0-1,5-6', 100), { kind: 'full' });
  assert.deepEqual(decideRange('bytes=5-1', 100), { kind: 'full' });
  assert.deepEqual(decideRange('items=0-1', 100), { kind: 'full' });
  assert.deepEqual(decideRange(undefined, 100), { kind: 'full' });
  assert.equal(etagMatches('"a", "b"', '"b"'), true);
  assert.equal(etagMatches('W/"b"', '"b"'), false, 'If-Range compares strongly');
  assert.equal(etagMatches('W/"b"', '"b"', { weakOk: true }), true);
});

test('decideRange never throws and every partial lies inside the file (fast-check)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^bytes=[0-9,\- ]{0,20}$/)), fc.nat(1e12), (h, size) => {
      const d = decideRange(h, size);
      if (d.kind === 'partial') assert.ok(d.start >= 0 && d.start <= d.end && d.end < size, JSON.stringify({ h, size, d }));
    }),
    { numRuns: 2000 },
  );
});

test('verifyContentRequest: only the unit’s own key, for this exact request and time window, passes; never throws', () => {
  const key = Buffer.alloc(32, 7);
  const base = { method: 'GET', url: '/content/v1/catalog', now: 1_000_000, windowMs: 300_000, keyFor: () => key, installed: () => true };
  const h = signContentRequest(key, 'GP3-000001', 'GET', '/content/v1/catalog', 1_000_000);
  assert.deepEqual(verifyContentRequest({ ...base, headers: h }), { ok: true, serial: 'GP3-000001' });
  assert.equal(verifyContentRequest({ ...base, url: '/content/v1/catalog?version=x', headers: h }).ok, false);
  assert.equal(verifyContentRequest({ ...base, method: 'HEAD', headers: h }).ok, false);
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('x-seat-serial', 'x-seat-time', 'x-seat-signature', '__proto__', 'constructor'), fc.oneof(fc.string(), fc.array(fc.string()))), (headers) => {
      const r = verifyContentRequest({ ...base, headers });
      assert.equal(r.ok, false);
    }),
    { numRuns: 1000 },
  );
});
