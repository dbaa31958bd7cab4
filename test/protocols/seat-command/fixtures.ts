import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import type { CommandArgs, CommandBody, CommandName, Target } from '../../../protocols/seat-command/types.js';

/** One valid set of args per command: a change to the vocabulary must update it. */
export const EXAMPLE_ARGS: { [C in CommandName]: CommandArgs[C] } = {
  'pa.begin': { source: 'cabin', group: '239.255.20.1:5004' },
  'pa.end': { source: 'cabin' },
  'seat.lock': { reason: 'taxi, take-off and landing' },
  'seat.unlock': { reason: 'cruise' },
  'media.pause': {},
  'media.resume': {},
  'volume.cap': { max: 7 },
  'channel.tune': { channel: 'news', group: '239.255.30.3:5000' },
  'safety.play': { channel: 'safety-en', group: '239.255.30.1:5000' },
  'channel.release': { channel: 'safety-en' },
  'message.show': { text: 'Please return to your seat: turbulence ahead ✈', level: 'warn' },
  'message.clear': {},
  'seat.reboot': {},
  'firmware.update': {
    model: 'gp3',
    version: '2.5.0',
    url: 'tftp://10.0.0.1/firmware/gp3/2.5.0.img',
    size: 73_400_320,
    sha256: 'a'.repeat(64),
    signature: Buffer.alloc(64, 7).toString('base64'),
  },
  'content.sync': { catalogVersion: '2025-11-22.1', url: 'http://10.0.0.1/content/v1/catalog' },
};

export const COMMANDS = Object.keys(EXAMPLE_ARGS) as CommandName[];

export function body(cmd: CommandName, fields: Partial<Omit<CommandBody, 'cmd' | 'args'>> = {}): CommandBody {
  return { seq: 58, at: 1_763_800_000_500, expiresAt: 1_763_800_060_500, target: { all: true }, cmd, args: EXAMPLE_ARGS[cmd], ...fields } as CommandBody;
}

export function keyPair() {
  return generateKeyPairSync('ed25519');
}

const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/);
export const targetArb: fc.Arbitrary<Target> = fc.oneof(
  fc.constant({ all: true as const }),
  fc.array(name, { minLength: 1, maxLength: 4 }).map((zones) => ({ zones })),
  fc.array(name, { minLength: 1, maxLength: 40, size: 'max' }).map((seats) => ({ seats })),
);

/** Valid command bodies across the whole vocabulary. */
export const bodyArb: fc.Arbitrary<CommandBody> = fc
  .record({
    cmd: fc.constantFrom(...COMMANDS),
    seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    at: fc.integer({ min: 0, max: 2 ** 42 }),
    ttl: fc.integer({ min: 0, max: 86_400_000 }),
    target: targetArb,
  })
  .map(({ cmd, seq, at, ttl, target }) => body(cmd, { seq, at, expiresAt: at + ttl, target }));
