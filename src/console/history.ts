import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirDurably, writeFileDurably } from '../../core/durable-fs.js';

const KEEP = 1000;

/**
 * One user's line history for one mode (shell or js), in
 * `<stateDir>/history/<name>.<mode>`, oldest line first. Lines are appended
 * as typed (losing the last few to a power cut is acceptable for history);
 * the file is trimmed durably to the newest 1000 when loaded.
 */
export class HistoryFile {
  readonly path: string;
  #dirMade = false;
  #waiting: string[] = [];
  #writing: Promise<void> | undefined;

  constructor(dir: string, user: string, mode: 'shell' | 'js') {
    this.path = join(dir, `${user.replace(/[^A-Za-z0-9._@-]/g, '_')}.${mode}`);
  }

  /** Newest first, as readline's `history` wants it. */
  async load(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n').filter((l) => l !== '');
    if (lines.length > KEEP * 2) await writeFileDurably(this.path, `${lines.slice(-KEEP).join('\n')}\n`, 0o600).catch(() => undefined);
    return lines.slice(-KEEP).reverse();
  }

  /**
   * Appends one line. The directory is made once per file, and lines typed
   * while a write is under way go out together in the next one (a script
   * piping `seats` ten times a second costs one write in flight, not ten).
   */
  append(line: string): Promise<void> {
    const l = line.replace(/[\r\n]+/g, ' ').trim();
    if (l === '') return Promise.resolve();
    this.#waiting.push(`${l}\n`);
    this.#writing ??= this.#drain().finally(() => (this.#writing = undefined));
    return this.#writing;
  }

  async #drain(): Promise<void> {
    if (!this.#dirMade) {
      await mkdirDurably(join(this.path, '..'), 0o700);
      this.#dirMade = true;
    }
    while (this.#waiting.length > 0) {
      const text = this.#waiting.join('');
      this.#waiting = [];
      await appendFile(this.path, text, { mode: 0o600 });
    }
  }
}
