/**
 * A one-line progress display: a redrawn bar on a TTY, a line per change otherwise (logs, pipes).
 * Once stopped it draws nothing more, so an error printed after stop() is the last thing a person reads.
 */
export class Progress {
  #last = '';
  #stopped = false;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(done: number, total: number, suffix: string): void {
    if (this.#stopped) return;
    const line = this.out.isTTY ? `${bar(done, total)} ${done}/${total} ${suffix}` : `${done}/${total} ${suffix}`;
    if (line === this.#last) return;
    this.#last = line;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(`${line}\n`);
  }

  /** Leaves the last bar on screen and ends its line. */
  end(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.out.isTTY && this.#last) this.out.write('\n');
  }

  /** Wipes a half-drawn bar (the line an error is about to take); idempotent, and after end() it does nothing. */
  clear(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.out.isTTY && this.#last) this.out.write('\r\x1b[2K');
  }
}

function bar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
