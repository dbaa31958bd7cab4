/**
 * Why a firmware operation was refused. The code lets the HTTP API and CLI map
 * it (400, 409, 403, ...) without parsing messages; the message is for people.
 */
export type FirmwareErrorCode =
  | 'invalid' // a malformed name, manifest or signature text
  | 'conflict' // this model/version already exists with other bytes
  | 'unsigned' // no signature offered and this controller cannot sign
  | 'bad-signature' // a signature that does not verify over the image
  | 'key'; // the firmware key is missing, unreadable or exposed

export class FirmwareError extends Error {
  override readonly name = 'FirmwareError';

  constructor(
    readonly code: FirmwareErrorCode,
    message: string,
    /** The offending manifest field, for `invalid`. */
    readonly field?: string,
  ) {
    super(message);
  }
}
