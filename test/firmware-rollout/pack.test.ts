import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { it } from 'node:test';
import { encodeCommand, MAX_DATAGRAM_BYTES } from '../../protocols/seat-command/codec.js';
import { packSeats } from '../../src/firmware/rollout/pack.js';
import { IMAGE } from './harness.js';

it('packs a whole cabin into a few firmware.update commands, each one signed datagram', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const args = { ...IMAGE, url: 'tftp://192.168.100.200:65535/firmware/gp3-extended-model/2.5.0-release-candidate.img' };
  const seats = Array.from({ length: 50 }, (_, r) => [...'ABCDEF'].map((l) => `${r + 1}${l}`)).flat();
  const groups = packSeats(seats, 'firmware.update', args);
  assert.deepEqual(groups.flat(), seats, 'every seat once, in order');
  assert.ok(groups.length <= 3, `${groups.length} commands`);
  for (const group of groups) {
    const body = { seq: Number.MAX_SAFE_INTEGER, at: 1e13, expiresAt: 1e13, target: { seats: group }, cmd: 'firmware.update' as const, args };
    assert.ok(encodeCommand(body, privateKey).length <= MAX_DATAGRAM_BYTES);
  }
  const long = packSeats(['A'.repeat(16), 'B'.repeat(16)], 'firmware.update', args);
  assert.equal(long.flat().length, 2);
});
