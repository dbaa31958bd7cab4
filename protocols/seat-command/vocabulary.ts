import { ed25519SignatureBase64, type Field, integer, multicastGroup, oneOf, sha256Hex, text, token, url } from './fields.js';
import { type CommandArgs, type CommandName, MESSAGE_LEVELS, PA_SOURCES } from './types.js';

export type ArgsSpec<A> = { readonly [K in keyof A]-?: Field<A[K]> };

const paSource = oneOf(PA_SOURCES);
const channel = { channel: token(64), group: multicastGroup };

/**
 * The vocabulary (v1.1) as data: the validator and the JSON Schema are both derived
 * from it, and the mapped type makes the compiler hold it to `CommandArgs`.
 */
export const VOCABULARY: { readonly [C in CommandName]: ArgsSpec<CommandArgs[C]> } = {
  'pa.begin': { source: paSource, group: multicastGroup },
  'pa.end': { source: paSource },
  'seat.lock': { reason: text(200) },
  'seat.unlock': { reason: text(200) },
  'media.pause': {},
  'media.resume': {},
  'volume.cap': { max: integer(0, 10) },
  'channel.tune': channel,
  'safety.play': channel,
  // v1.1: seats that do not know it acknowledge it as unknown; desired.channel (null) still releases them.
  'channel.release': { channel: token(64) },
  'message.show': { text: text(280), level: oneOf(MESSAGE_LEVELS) },
  'message.clear': {},
  'seat.reboot': {},
  'firmware.update': {
    model: token(32),
    version: token(32),
    url: url('tftp'),
    size: integer(1, Number.MAX_SAFE_INTEGER),
    sha256: sha256Hex,
    signature: ed25519SignatureBase64,
  },
  'content.sync': { catalogVersion: token(64), url: url('http') },
};

export const COMMAND_NAMES = Object.keys(VOCABULARY) as CommandName[];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(VOCABULARY, name);
}
