import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OWN_ROOT, checkoutVersion, startController, unknownTopLevelKey } from '../../../bench/lib/controller.js';

test('the key a bad-config message names as unknown, at the top level only', () => {
  assert.equal(unknownTopLevelKey('purser: bad config: /tmp/x/bench-config.yaml: vlc: unknown key\n'), 'vlc');
  assert.equal(unknownTopLevelKey('purser: bad config: /tmp/x.yaml: pa.volume: unknown key'), undefined);
  assert.equal(unknownTopLevelKey('purser: bad config: /tmp/x.yaml: cabin.secret: must be 32 to 128 hexadecimal digits'), undefined);
});

test('a section the controller does not know is left out of optionalConfig, and the controller starts', { timeout: 90_000 }, async () => {
  const controller = await startController(
    { cabin: { secret: randomBytes(32).toString('hex') }, pa: { enabled: false }, tftp: { enabled: false } },
    { root: OWN_ROOT, optionalConfig: { noSuchFeature: { enabled: false }, vlc: { enabled: false } } },
  );
  try {
    assert.deepEqual(controller.leftOut, ['noSuchFeature'], 'vlc is known here, so kept');
    const res = await fetch(new URL('/metrics', controller.url));
    assert.equal(res.status, 200);
  } finally {
    await controller.stop();
  }
  assert.equal(existsSync(controller.stateDir), false);
});

test('a root that is not a checkout is refused before anything starts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'not-purser-'));
  try {
    await assert.rejects(startController({}, { root: dir }), /not a Purser checkout/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('checkoutVersion names the commit of a git checkout, null elsewhere', async () => {
  const own = checkoutVersion(OWN_ROOT);
  assert.ok(own && /^[0-9a-f]{40}$/.test(own.commit) && own.subject.length > 0);
  assert.equal(checkoutVersion(tmpdir()), null);
});
