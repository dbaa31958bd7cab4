import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeCommand, encodeCommand } from '../../../protocols/seat-command/codec.js';
import { commandKeyFromBase64, commandKeyToBase64 } from '../../../protocols/seat-command/keys.js';
import { body, keyPair } from './fixtures.js';

it('a seat provisioned with the base64 raw key verifies the controller’s commands', () => {
  const { publicKey, privateKey } = keyPair();
  const raw = commandKeyToBase64(publicKey);
  assert.match(raw, /^[A-Za-z0-9+/]{43}=$/);
  assert.deepEqual(Buffer.from(raw, 'base64'), publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  const b = body('seat.reboot');
  assert.deepEqual(decodeCommand(encodeCommand(b, privateKey), commandKeyFromBase64(raw)), { ok: true, body: b });
});

it('refuses keys that are not 32 raw bytes or not an Ed25519 public key', () => {
  assert.throws(() => commandKeyFromBase64(Buffer.alloc(31).toString('base64')), /32 bytes/);
  assert.throws(() => commandKeyFromBase64('not base64!'), /32 bytes/);
  assert.throws(() => commandKeyToBase64(keyPair().privateKey), /Ed25519 public key/);
});
