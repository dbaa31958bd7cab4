import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FirmwareError } from '../../firmware/errors.js';
import { FirmwareKeys, SIGNING_KEY_FILE } from '../../firmware/keys.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-keys-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const message = Buffer.from('purser-fw-v1\ngp3\n2.5.0\n1\n' + '0'.repeat(64));
const keyError = (err: unknown): boolean => err instanceof FirmwareError && err.code === 'key';

test('the first use generates a private key readable by its owner only; later uses load the same key', async () => {
  const stateDir = join(dir, 'state');
  const first = await FirmwareKeys.loadOrCreateSigningKey(stateDir);
  assert.equal((await stat(join(stateDir, SIGNING_KEY_FILE))).mode & 0o777, 0o600);
  assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(stateDir), [SIGNING_KEY_FILE], 'no temp file left behind');
  const again = await FirmwareKeys.loadOrCreateSigningKey(stateDir);
  assert.equal(again.publicKeyRaw, first.publicKeyRaw);
  assert.equal(Buffer.from(first.publicKeyRaw, 'base64').length, 32);
  assert.match(first.keyId, /^[0-9a-f]{16}$/);
});

test('a signature verifies with the public key alone, and not over another message', async () => {
  const signer = await FirmwareKeys.loadOrCreateSigningKey(join(dir, 'sign'));
  const verifier = FirmwareKeys.fromPublicKey(signer.publicKeyRaw);
  assert.equal(verifier.canSign, false);
  assert.equal(verifier.keyId, signer.keyId);
  const signature = signer.sign(message);
  assert.ok(verifier.verify(message, signature));
  assert.ok(!verifier.verify(Buffer.concat([message, Buffer.from('x')]), signature));
  assert.ok(!verifier.verify(message, 'not a signature'));
  assert.throws(() => verifier.sign(message), keyError);
});

test('a public key loads from a PEM file too', async () => {
  const { publicKey } = generateKeyPairSync('ed25519');
  const path = join(dir, 'release.pub.pem');
  await writeFile(path, publicKey.export({ type: 'spki', format: 'pem' }));
  const keys = await FirmwareKeys.loadPublicKey(path);
  assert.equal(keys.publicKeyRaw, Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64'));
});

test('a private key others can read is refused, not used and not replaced', async () => {
  const stateDir = join(dir, 'exposed');
  const keys = await FirmwareKeys.loadOrCreateSigningKey(stateDir);
  await chmod(join(stateDir, SIGNING_KEY_FILE), 0o644);
  await assert.rejects(FirmwareKeys.loadOrCreateSigningKey(stateDir), /readable by others \(mode 644\)/);
  await chmod(join(stateDir, SIGNING_KEY_FILE), 0o600);
  assert.equal((await FirmwareKeys.loadOrCreateSigningKey(stateDir)).publicKeyRaw, keys.publicKeyRaw);
});

test('keys that are not Ed25519, or not keys, are refused', async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => FirmwareKeys.fromPublicKey(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string), keyError);
  assert.throws(() => FirmwareKeys.fromPublicKey(Buffer.alloc(31).toString('base64')), keyError);
  const path = join(dir, 'garbage.pem');
  await writeFile(path, 'hello', { mode: 0o600 });
  await assert.rejects(FirmwareKeys.loadSigningKey(path), keyError);
});
