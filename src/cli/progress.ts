/** A one-line progress display: a redrawn bar on a TTY, a line per change otherwise (logs, pipes). */
export class Progress {
  #last = '';
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(done: number, total: number, suffix: string): void {
    const line = this.out.isTTY ? `${bar(done, total)} ${done}/${total} ${suffix}` : `${done}/${total} ${suffix}`;
    if (line === this.#last) return;
    this.#last = line;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(`${line}\n`);
  }

  end(): void {
    if (this.out.isTTY && this.#last) this.out.write('\n');
  }
}

function bar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
