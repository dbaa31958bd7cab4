import { systemClock, type Clock } from '../../core/clock.js';
import { writeAhead } from '../../core/write-ahead.js';
import type { Db } from './database.js';

/** How long a key is remembered: a client retries within minutes, a day is plenty. */
export const IDEMPOTENCY_TTL_MS = 86_400_000;
/** Pruning runs at most this often, from a claim (keys come at the crew's pace, not the seats'). */
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_CHUNK = 1_000;

export interface IdempotencyRow {
  fingerprint: string;
  route: string;
  state: 'pending' | 'done';
  status: number | null;
  contentType: string | null;
  body: string | null;
  createdAt: number;
}

/**
 * The keys of acting routes (table http_idempotency), by principal and key.
 * A claim and a completion are write-ahead commits (fsync'd before they
 * return): the claim before the route acts, the answer before it is sent.
 * A release (the action failed with a 5xx, so a retry must act) is a plain
 * commit: lost in a cut, the key reads as in doubt, which is the safe side.
 */
export class IdempotencyStore {
  readonly #get;
  readonly #claim;
  readonly #complete;
  readonly #release;
  readonly #prune;
  #lastPrune = -Infinity;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {
    this.#get = db.prepare<[string, string, number], { fingerprint: string; route: string; state: 'pending' | 'done'; status: number | null; content_type: string | null; body: string | null; created_at: number }>(
      'SELECT fingerprint, route, state, status, content_type, body, created_at FROM http_idempotency WHERE principal = ? AND key = ? AND created_at >= ?',
    );
    // REPLACE: a row past its day that pruning has not reached yet is as good as gone.
    this.#claim = db.prepare("INSERT OR REPLACE INTO http_idempotency (principal, key, fingerprint, route, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?)");
    this.#complete = db.prepare("UPDATE http_idempotency SET state = 'done', status = ?, content_type = ?, body = ? WHERE principal = ? AND key = ? AND state = 'pending'");
    this.#release = db.prepare("DELETE FROM http_idempotency WHERE principal = ? AND key = ? AND state = 'pending'");
    this.#prune = db.prepare('DELETE FROM http_idempotency WHERE (principal, key) IN (SELECT principal, key FROM http_idempotency WHERE created_at < ? LIMIT ?)');
  }

  /** The key's row, unless it is older than a day. */
  get(principal: string, key: string): IdempotencyRow | undefined {
    const r = this.#get.get(principal, key, this.clock.wall() - IDEMPOTENCY_TTL_MS);
    return r && { fingerprint: r.fingerprint, route: r.route, state: r.state, status: r.status, contentType: r.content_type, body: r.body, createdAt: r.created_at };
  }

  /** Records the key as pending, fsync'd: from here a cut leaves it in doubt rather than forgotten. */
  claim(principal: string, key: string, fingerprint: string, route: string): void {
    this.#pruneIfDue();
    writeAhead(this.db, () => this.#claim.run(principal, key, fingerprint, route, this.clock.wall()));
  }

  /** Stores the answer, fsync'd, so a retry replays it. */
  complete(principal: string, key: string, status: number, contentType: string | null, body: string | null): void {
    writeAhead(this.db, () => this.#complete.run(status, contentType, body, principal, key));
  }

  /** Forgets a pending key: the action did not give its answer, and a retry should act. */
  release(principal: string, key: string): void {
    this.#release.run(principal, key);
  }

  /** Deletes keys older than a day, in chunks; returns how many. */
  prune(): number {
    const before = this.clock.wall() - IDEMPOTENCY_TTL_MS;
    let n = 0;
    for (;;) {
      const { changes } = this.#prune.run(before, PRUNE_CHUNK);
      n += changes;
      if (changes < PRUNE_CHUNK) return n;
    }
  }

  #pruneIfDue(): void {
    const now = this.clock.mono();
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    this.prune();
  }
}
