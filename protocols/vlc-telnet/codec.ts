import { TelnetStripper } from './telnet.js';

/**
 * What VLC's telnet interface said, in order. `reply` carries the lines VLC
 * wrote between two prompts (CR removed); `prompt-ready` follows every reply,
 * and comes alone for the first prompt after `welcome`.
 */
export type VlcTelnetEvent =
  | { type: 'login-needed' }
  | { type: 'login-failed' }
  | { type: 'welcome' }
  | { type: 'reply'; lines: string[] }
  | { type: 'prompt-ready' };

/** A hostile or broken peer must not grow memory without bound. */
export const MAX_LINE_CHARS = 64 * 1024;
export const MAX_REPLY_LINES = 100_000;

const PASSWORD_PROMPT = 'Password: ';
const COMMAND_PROMPT = '> ';

/**
 * Incremental parser for VLC's telnet interface (modules/control/telnet.c):
 * banner, `Password: ` (with IAC WILL ECHO), `Wrong password` or
 * `Welcome, Master`, then a `> ` prompt after every reply. Feed any chunking;
 * the events are the same. Prompts are recognised the moment a line reads
 * exactly `> ` (or `Password: ` before login), not only at a chunk's end,
 * because VLC may write the next reply right after a prompt. No VLC reply
 * line starts with `> `: values in `show` are indented, errors start with
 * the command's name.
 */
export class VlcTelnetParser {
  readonly #telnet = new TelnetStripper();
  readonly #decoder = new TextDecoder('utf-8', { fatal: false });
  #line = '';
  #lines: string[] = [];
  #welcomed = false;

  get welcomed(): boolean {
    return this.#welcomed;
  }

  push(chunk: Uint8Array): VlcTelnetEvent[] {
    const text = this.#decoder.decode(this.#telnet.push(chunk), { stream: true });
    const events: VlcTelnetEvent[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\r') continue;
      if (c === '\n') {
        this.#endLine(events);
        continue;
      }
      if (this.#line.length < MAX_LINE_CHARS) this.#line += c;
      if (!this.#welcomed && this.#line === PASSWORD_PROMPT) {
        this.#line = '';
        this.#lines = [];
        events.push({ type: 'login-needed' });
      } else if (this.#welcomed && this.#line === COMMAND_PROMPT) {
        this.#line = '';
        if (this.#lines.length > 0) events.push({ type: 'reply', lines: this.#lines });
        this.#lines = [];
        events.push({ type: 'prompt-ready' });
      }
    }
    return events;
  }

  #endLine(events: VlcTelnetEvent[]): void {
    const line = this.#line;
    this.#line = '';
    if (!this.#welcomed) {
      // Banner lines ("VLC media player 3.0.x") and blank lines are not interesting.
      if (line === 'Wrong password') events.push({ type: 'login-failed' });
      else if (line === 'Welcome, Master') {
        this.#welcomed = true;
        events.push({ type: 'welcome' });
      }
      return;
    }
    if (this.#lines.length < MAX_REPLY_LINES) this.#lines.push(line);
  }
}
