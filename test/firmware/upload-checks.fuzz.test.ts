import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import type { FirmwareCatalog, FirmwareRecord } from '../../firmware/catalog.js';
import { checkUploadHeaders } from '../../src/firmware/upload-checks.js';
import { ApiError } from '../../src/http/errors.js';

const existing = { model: 'gp3', version: '2.5.0', size: 1000 } as FirmwareRecord;
const catalog = { get: (m: string, v: string) => (m === 'gp3' && v === '2.5.0' ? existing : undefined) } as unknown as FirmwareCatalog;

it('upload headers: any request line and headers are accepted or refused with a 4xx ApiError, never thrown otherwise', () => {
  const header = fc.option(fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constantFrom('application/octet-stream', '0', '1000', '1e3', '-1', '99999999999999999999')), { nil: undefined });
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.constantFrom('gp3', 'GP3', '..', 'a'.repeat(33))), fc.oneof(fc.string(), fc.constantFrom('2.5.0', '2.6.0', '2..5')), header, header, header, (model, version, type, length, signature) => {
      const headers: Record<string, unknown> = {};
      if (type !== undefined) headers['content-type'] = type;
      if (length !== undefined) headers['content-length'] = length;
      if (signature !== undefined) headers['x-firmware-signature'] = signature;
      try {
        const ok = checkUploadHeaders({ model, version }, headers as never, catalog, 1_000_000);
        assert.equal(ok.model, model);
        assert.ok(ok.size === undefined || ok.size <= 1_000_000);
      } catch (e) {
        assert.ok(e instanceof ApiError, String(e));
        assert.ok(e.statusCode >= 400 && e.statusCode < 500, `${e.statusCode}`);
      }
    }),
    { numRuns: 2000 },
  );
});
