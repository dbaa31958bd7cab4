import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { decodeCommand, encodeCommand, HEADER_BYTES, MAX_DATAGRAM_BYTES } from '../../../protocols/seat-command/codec.js';
import { bodyArb, keyPair } from './fixtures.js';

const { publicKey, privateKey } = keyPair();

it('decodes thousands of random buffers without throwing, accepting none', () => {
  const withMagic = fc.uint8Array({ maxLength: MAX_DATAGRAM_BYTES + 10, size: 'max' }).map((b) => Buffer.concat([Buffer.from('IFC1'), b]));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: MAX_DATAGRAM_BYTES + 10, size: 'max' }), withMagic), (bytes) => {
      assert.equal(decodeCommand(bytes, publicKey).ok, false);
    }),
    { numRuns: 3000 },
  );
});

type Mutation = { op: 'flip' | 'set' | 'delete' | 'insert' | 'truncate' | 'extend'; at: number; value: number };

function mutate(datagram: Buffer, m: Mutation): Buffer {
  const at = m.at % datagram.length;
  switch (m.op) {
    case 'flip':
      return Buffer.concat([datagram.subarray(0, at), Buffer.from([datagram[at]! ^ ((m.value % 255) + 1)]), datagram.subarray(at + 1)]);
    case 'set':
      return Buffer.concat([datagram.subarray(0, at), Buffer.from([m.value]), datagram.subarray(at + 1)]);
    case 'delete':
      return Buffer.concat([datagram.subarray(0, at), datagram.subarray(at + 1)]);
    case 'insert':
      return Buffer.concat([datagram.subarray(0, at), Buffer.from([m.value]), datagram.subarray(at)]);
    case 'truncate':
      return datagram.subarray(0, at);
    case 'extend':
      return Buffer.concat([datagram, Buffer.alloc(1 + (m.at % 64), m.value)]);
  }
}

it('never accepts a signed datagram after any mutation', () => {
  const mutation: fc.Arbitrary<Mutation> = fc.record({
    op: fc.constantFrom('flip', 'set', 'delete', 'insert', 'truncate', 'extend'),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  });
  fc.assert(
    fc.property(bodyArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (body, mutations) => {
      const datagram = encodeCommand(body, privateKey);
      const mutated = mutations.reduce(mutate, datagram);
      fc.pre(!mutated.equals(datagram));
      const r = decodeCommand(mutated, publicKey);
      assert.equal(r.ok, false);
      if (!r.ok && mutated.length > HEADER_BYTES && mutated.length <= MAX_DATAGRAM_BYTES) {
        assert.ok(['magic', 'signature'].includes(r.error.kind), r.error.kind);
      }
    }),
    { numRuns: 3000 },
  );
});
