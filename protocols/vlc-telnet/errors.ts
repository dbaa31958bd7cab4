/** VLM answered a command with an error text, e.g. `control : ch1: media unknown`. */
export class VlmError extends Error {
  override readonly name = 'VlmError';
  constructor(
    /** The command line that was sent. */
    readonly command: string,
    /** VLC's own words, first line of the reply. */
    readonly vlcText: string,
  ) {
    super(`VLM refused "${command}": ${vlcText}`);
  }
}

/** VLC answered the password with `Wrong password`. */
export class VlcLoginError extends Error {
  override readonly name = 'VlcLoginError';
  constructor(message = 'VLC telnet refused the password (Wrong password)') {
    super(message);
  }
}

/** VLC sent no prompt in time: it is hung or not VLC. The connection is closed. */
export class VlcTimeoutError extends Error {
  override readonly name = 'VlcTimeoutError';
  constructor(readonly what: string, readonly timeoutMs: number) {
    super(`VLC telnet: no prompt within ${timeoutMs} ms (${what})`);
  }
}

/** The connection closed (or could not open) before the command was answered. */
export class VlcConnectionError extends Error {
  override readonly name = 'VlcConnectionError';
}
