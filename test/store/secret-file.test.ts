import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadOrCreateSecret } from '../../src/store/secret-file.js';

let dir: string;
before(async () => (dir = await mkdtemp(join(tmpdir(), 'purser-secret-'))));
after(() => rm(dir, { recursive: true, force: true }));

test('a secret is created once, mode 0600, in a state dir that did not exist yet, leaving no temp file', async () => {
  const path = join(dir, 'state', 'nested', 'cabin.secret');
  const first = await loadOrCreateSecret(path);
  assert.equal(first.created, true);
  assert.match(first.value, /^[0-9a-f]{64}$/);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal(await readFile(path, 'utf8'), `${first.value}\n`);
  assert.deepEqual(await readdir(join(dir, 'state', 'nested')), ['cabin.secret']);

  const again = await loadOrCreateSecret(path);
  assert.deepEqual(again, { value: first.value, created: false }, 'a restart keeps the secret: every seat key derives from it');
});

test('a secret others can read is refused with the fix in the message, and left as it is', async () => {
  const path = join(dir, 'api.token');
  const { value } = await loadOrCreateSecret(path, () => 'token-1');
  await chmod(path, 0o644);
  await assert.rejects(loadOrCreateSecret(path), /readable by group or others \(mode 644\); chmod 600 it/);
  assert.equal((await readFile(path, 'utf8')).trim(), value);
});
