import { type KeyObject, sign, verify } from 'node:crypto';
import type { CommandBody, FieldError } from './types.js';
import { formatFieldErrors, validateCommandBody } from './validate.js';

export const MAGIC = Buffer.from('IFC1', 'ascii');
export const SIGNATURE_BYTES = 64;
export const HEADER_BYTES = MAGIC.length + SIGNATURE_BYTES;
/** Fits one Ethernet frame with room for IP/UDP headers and VLAN tags: never fragmented. */
export const MAX_DATAGRAM_BYTES = 1400;
export const MAX_BODY_BYTES = MAX_DATAGRAM_BYTES - HEADER_BYTES;

export type DecodeErrorKind = 'truncated' | 'oversized' | 'magic' | 'signature' | 'json' | 'shape';

export interface DecodeError {
  kind: DecodeErrorKind;
  message: string;
  /** For `shape`: what is wrong with the body, field by field. */
  fields?: FieldError[];
}

export type Decoded = { ok: true; body: CommandBody } | { ok: false; error: DecodeError };

export class CommandEncodeError extends Error {
  override readonly name = 'CommandEncodeError';
  constructor(
    readonly kind: 'invalid' | 'oversized',
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

/**
 * `"IFC1"` + Ed25519 signature over the body + UTF-8 JSON body. Refuses (throws
 * CommandEncodeError) a body seats would reject or one over 1400 bytes, so call it
 * before persisting the command. Signing takes about 0.1 ms, so it runs on the
 * event loop; only signatures over large files go to workers.
 */
export function encodeCommand(body: CommandBody, privateKey: KeyObject): Buffer {
  const valid = validateCommandBody(body);
  if (!valid.ok) throw new CommandEncodeError('invalid', `invalid command: ${formatFieldErrors(valid.errors)}`, valid.errors);
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  if (json.length > MAX_BODY_BYTES) {
    throw new CommandEncodeError(
      'oversized',
      `command datagram would be ${HEADER_BYTES + json.length} bytes, over the ${MAX_DATAGRAM_BYTES}-byte limit: ` +
        'target zones or all seats instead of a long seat list, or shorten the text',
    );
  }
  return Buffer.concat([MAGIC, sign(null, json, privateKey), json]);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(kind: DecodeErrorKind, message: string, fields?: FieldError[]): Decoded {
  return { ok: false, error: fields ? { kind, message, fields } : { kind, message } };
}

/**
 * Checks a datagram in order of cost and trust: size, magic, signature, and only
 * then parses the JSON, so unauthenticated bytes never reach the parser.
 * Never throws on any input.
 */
export function decodeCommand(datagram: Uint8Array, publicKey: KeyObject): Decoded {
  if (datagram.length > MAX_DATAGRAM_BYTES) {
    return fail('oversized', `datagram is ${datagram.length} bytes, over ${MAX_DATAGRAM_BYTES}`);
  }
  if (datagram.length <= HEADER_BYTES) {
    return fail('truncated', `datagram is ${datagram.length} bytes, shorter than the ${HEADER_BYTES}-byte header plus a body`);
  }
  if (!MAGIC.equals(datagram.subarray(0, MAGIC.length))) return fail('magic', 'datagram does not start with "IFC1"');
  const json = datagram.subarray(HEADER_BYTES);
  if (!verify(null, json, publicKey, datagram.subarray(MAGIC.length, HEADER_BYTES))) {
    return fail('signature', 'signature does not verify with the controller command key');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(json));
  } catch (e) {
    return fail('json', `body is not UTF-8 JSON: ${(e as Error).message}`);
  }
  const valid = validateCommandBody(parsed);
  return valid.ok ? { ok: true, body: valid.value } : fail('shape', `body is not a command: ${formatFieldErrors(valid.errors)}`, valid.errors);
}
