import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../../protocols/tftp/codec.js';
import { normalizeRequestPath } from '../../../protocols/tftp/paths.js';

describe('TFTP request paths', () => {
  it('reads a leading slash, empty and "." segments as relative to the root', () => {
    for (const name of ['firmware/gp3/2.5.0.img', '/firmware/gp3/2.5.0.img', '//firmware/./gp3//2.5.0.img']) {
      assert.deepEqual(normalizeRequestPath(name), { ok: true, path: 'firmware/gp3/2.5.0.img' });
    }
  });

  it('refuses ".." anywhere, control characters and names over 255 bytes with an access violation', () => {
    for (const name of ['../etc/passwd', 'firmware/../../etc/passwd', '/..', 'a\nb', 'a\x7fb', 'x'.repeat(256), 'é'.repeat(128)]) {
      const r = normalizeRequestPath(name);
      assert.ok(!r.ok && r.code === ErrorCode.AccessViolation, JSON.stringify(name));
    }
    assert.deepEqual(normalizeRequestPath('x'.repeat(255)), { ok: true, path: 'x'.repeat(255) });
    assert.ok(normalizeRequestPath('..x/y..').ok, 'dots inside a name are ordinary');
  });

  it('refuses an empty name as not found', () => {
    assert.deepEqual(normalizeRequestPath('/'), { ok: false, code: ErrorCode.FileNotFound, message: 'no file name' });
  });
});
