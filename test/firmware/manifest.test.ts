import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FirmwareError } from '../../firmware/errors.js';
import {
  assertName,
  parseManifest,
  parseManifestJson,
  serializeManifest,
  signedMessage,
  type FirmwareManifest,
} from '../../firmware/manifest.js';

const valid: FirmwareManifest = {
  model: 'gp3',
  version: '2.5.0',
  size: 1234,
  sha256: 'ab'.repeat(32),
  signature: Buffer.alloc(64, 7).toString('base64'),
  signedAt: 1763800000000,
  keyId: '0123456789abcdef',
};

function invalid(field?: string) {
  return (err: unknown): boolean => err instanceof FirmwareError && err.code === 'invalid' && err.field === field;
}

test('a manifest survives serialize and parse unchanged, extra fields dropped', () => {
  assert.deepEqual(parseManifestJson(serializeManifest(valid)), valid);
  const { signedAt, keyId, ...bare } = valid;
  assert.deepEqual(parseManifest({ ...bare, notes: 'from the vendor' }), bare);
});

test('each bad field is named in the error', () => {
  assert.throws(() => parseManifest({ ...valid, model: '../etc' }), invalid('model'));
  assert.throws(() => parseManifest({ ...valid, version: undefined }), invalid('version'));
  assert.throws(() => parseManifest({ ...valid, size: 0 }), invalid('size'));
  assert.throws(() => parseManifest({ ...valid, size: '1234' }), invalid('size'));
  assert.throws(() => parseManifest({ ...valid, sha256: 'AB'.repeat(32) }), invalid('sha256'));
  assert.throws(() => parseManifest({ ...valid, signature: Buffer.alloc(63).toString('base64') }), invalid('signature'));
  assert.throws(() => parseManifest({ ...valid, signedAt: -1 }), invalid('signedAt'));
  assert.throws(() => parseManifest({ ...valid, keyId: 'xyz' }), invalid('keyId'));
  assert.throws(() => parseManifest([valid]), invalid(undefined));
  assert.throws(() => parseManifestJson('{"model": "gp3",'), /manifest is not JSON/);
});

test('model and version must be safe path segments', () => {
  for (const good of ['gp3', '2.5.0', 'a', 'rc-1_b.2', 'x'.repeat(32)]) assertName('version', good);
  for (const bad of ['', '..', '1..2', '.hidden', '-x', 'a/b', 'a\\b', 'GP3', 'x'.repeat(33), 'a b', 'é', 'a\0']) {
    assert.throws(() => assertName('model', bad), invalid('model'), JSON.stringify(bad));
  }
});

test('the signed message binds model, version, size and digest', () => {
  assert.equal(
    signedMessage(valid).toString('utf8'),
    `purser-fw-v1\ngp3\n2.5.0\n1234\n${'ab'.repeat(32)}`,
  );
});

const manifests: fc.Arbitrary<FirmwareManifest> = fc.record(
  {
    model: fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,31}$/),
    version: fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,3}){0,3}$/),
    size: fc.integer({ min: 1 }),
    sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
    signature: fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64')),
    signedAt: fc.nat(),
    keyId: fc.stringMatching(/^[0-9a-f]{16}$/),
  },
  { requiredKeys: ['model', 'version', 'size', 'sha256', 'signature'] },
);

/** Parsing either succeeds with a manifest that round-trips, or fails with a typed error. */
function parsesOrRefuses(value: unknown): FirmwareError | undefined {
  let parsed: FirmwareManifest;
  try {
    parsed = parseManifest(value);
  } catch (err) {
    assert.ok(err instanceof FirmwareError && err.code === 'invalid', String(err));
    return err;
  }
  assert.deepEqual(parseManifestJson(serializeManifest(parsed)), parsed);
  return undefined;
}

test('fuzz: valid manifests round-trip', () => {
  fc.assert(fc.property(manifests, (m) => assert.equal(parsesOrRefuses(m), undefined)));
});

test('fuzz: one field replaced by anything is accepted or refused naming that field', () => {
  const fields = ['model', 'version', 'size', 'sha256', 'signature', 'signedAt', 'keyId'] as const;
  fc.assert(
    fc.property(manifests, fc.constantFrom(...fields), fc.anything(), (m, field, junk) => {
      const err = parsesOrRefuses({ ...m, [field]: junk });
      if (err) assert.equal(err.field, field);
    }),
    { numRuns: 2000 },
  );
});

test('fuzz: arbitrary values and text never escape as anything but a FirmwareError', () => {
  fc.assert(fc.property(fc.anything(), (value) => void parsesOrRefuses(value)), { numRuns: 2000 });
  fc.assert(fc.property(fc.string(), (text) => assert.throws(() => parseManifestJson(text), FirmwareError)));
});
