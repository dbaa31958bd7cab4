import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { LogSink } from '../../core/log.js';
import { parseAuthorizedKeys, type AuthorizedKey, type KeyFileError } from './authorized-keys.js';

const MAX_FILE = 1024 * 1024;

/**
 * The authorized keys, re-read whenever the file changes (checked by size,
 * mtime and inode on each authentication attempt, so a key added or revoked
 * takes effect at the next login without a restart). A missing or unreadable
 * file means no key is accepted.
 */
export class KeyStore {
  #stamp = '';
  #keys: AuthorizedKey[] = [];
  #errors: KeyFileError[] = [];

  constructor(private readonly path: string, private readonly log: LogSink) {}

  get errors(): readonly KeyFileError[] {
    return this.#errors;
  }

  async keys(): Promise<readonly AuthorizedKey[]> {
    let stamp: string;
    try {
      const s = await stat(this.path);
      stamp = `${s.ino}:${s.size}:${s.mtimeMs}`;
      if (stamp === this.#stamp) return this.#keys;
      if (s.size > MAX_FILE) throw new Error(`larger than ${MAX_FILE} bytes`);
      const parsed = parseAuthorizedKeys(await readFile(this.path, 'utf8'));
      this.#keys = parsed.keys;
      this.#errors = parsed.errors;
      this.#stamp = stamp;
      for (const e of parsed.errors) this.log.warn({ file: this.path, line: e.line, problem: e.message }, 'console authorized_keys: line skipped');
      this.log.info({ file: this.path, keys: parsed.keys.length, skipped: parsed.errors.length }, 'console authorized_keys loaded');
    } catch (e) {
      if (this.#stamp !== 'missing') this.log.warn({ file: this.path, err: (e as Error).message }, 'console authorized_keys unreadable: no key is accepted');
      this.#stamp = 'missing';
      this.#keys = [];
      this.#errors = [{ line: 0, message: (e as Error).message }];
    }
    return this.#keys;
  }

  /** The entry whose blob equals `blob`, comparing every entry in constant time per entry. */
  async find(blob: Buffer): Promise<AuthorizedKey | undefined> {
    let found: AuthorizedKey | undefined;
    for (const k of await this.keys()) {
      if (k.blob.length === blob.length && timingSafeEqual(k.blob, blob) && found === undefined) found = k;
    }
    return found;
  }
}
