/** Telnet command bytes (RFC 854, 855). */
const IAC = 255;
const SB = 250;
const SE = 240;
const WILL = 251;
const DONT = 254;

type State = 'data' | 'iac' | 'option' | 'sub' | 'sub-iac';

/**
 * Strips telnet negotiation from a byte stream. VLC sends IAC WILL ECHO before
 * `Password: ` and IAC WONT ECHO after it; a chunk boundary may fall anywhere
 * inside such a sequence, so the state survives between calls. IAC IAC is a
 * literal 255 byte. Nothing is answered: VLC does not wait for a reply.
 */
export class TelnetStripper {
  #state: State = 'data';

  push(chunk: Uint8Array): Uint8Array {
    const out = new Uint8Array(chunk.length);
    let n = 0;
    for (const byte of chunk) {
      switch (this.#state) {
        case 'data':
          if (byte === IAC) this.#state = 'iac';
          else out[n++] = byte;
          break;
        case 'iac':
          if (byte === IAC) {
            out[n++] = byte;
            this.#state = 'data';
          } else if (byte >= WILL && byte <= DONT) this.#state = 'option';
          else if (byte === SB) this.#state = 'sub';
          else this.#state = 'data'; // a two-byte command (NOP, GA, ...)
          break;
        case 'option':
          this.#state = 'data';
          break;
        case 'sub':
          if (byte === IAC) this.#state = 'sub-iac';
          break;
        case 'sub-iac':
          this.#state = byte === SE ? 'data' : 'sub';
          break;
      }
    }
    return out.subarray(0, n);
  }
}
