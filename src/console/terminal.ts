import { PassThrough, Writable } from 'node:stream';

/** The bit of an ssh2 channel a terminal needs. */
export interface ChannelLike {
  write(data: string | Buffer): boolean;
  on(event: 'data', fn: (d: Buffer) => void): unknown;
  readonly destroyed?: boolean;
}

/**
 * The output side of a session as readline and the REPL see it: with a pty
 * the client's terminal is raw (no line discipline on our side), so every
 * `\n` must go out as `\r\n`; `columns`/`rows` follow window-change requests.
 */
export class TerminalOutput extends Writable {
  columns: number;
  rows: number;
  readonly isTTY: boolean;

  constructor(private readonly channel: ChannelLike, readonly pty: { cols: number; rows: number } | null) {
    super({ decodeStrings: false });
    this.isTTY = pty !== null;
    this.columns = pty?.cols || 80;
    this.rows = pty?.rows || 24;
  }

  resize(cols: number, rows: number): void {
    this.columns = cols || this.columns;
    this.rows = rows || this.rows;
    this.emit('resize');
  }

  text(s: string): void {
    if (this.channel.destroyed) return;
    this.channel.write(this.isTTY ? toCrlf(s) : s);
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    cb();
  }
}

let lastLf = '';
let lastCrlf = '';

/**
 * `\n` to `\r\n`, remembering the last large text: the shared `seats` table
 * goes to every terminal session as the same string, converted once.
 */
function toCrlf(s: string): string {
  if (s.length < 4096) return s.replace(/\r?\n/g, '\r\n');
  if (s !== lastLf) {
    lastLf = s;
    lastCrlf = s.replace(/\r?\n/g, '\r\n');
  }
  return lastCrlf;
}

/** A fresh input stream for each readline / REPL, fed by the session's router. */
export function lineInput(): PassThrough {
  return new PassThrough();
}
