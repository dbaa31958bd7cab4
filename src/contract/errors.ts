/**
 * What went wrong, in domain terms; the HTTP layer maps the kind to a status
 * (src/http/errors.ts), the SSH console and CLI print the message. Domain
 * code throws these and never an HTTP error.
 */
export type DomainErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'too-large' | 'too-many' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** Stable and documented, e.g. INVALID_COMMAND. */
    readonly code: string,
    message: string,
    /** The offending field, when one is to blame. */
    readonly field?: string,
    /** Seconds a client should wait before trying again (kind unavailable / too-many). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}
