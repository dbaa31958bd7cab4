import type { Statement } from 'better-sqlite3';
import type { CommandBody, CommandRequest, Target } from '../../protocols/seat-command/types.js';
import type { Actor, Role } from '../auth/principal.js';
import { writeAhead, type Db } from '../store/database.js';

export interface LoggedCommand {
  body: CommandBody;
  issuer: string;
  /** The person, when their own PIN sent it; absent in rows from before people had names. */
  actor?: Actor;
}

interface Row {
  seq: number;
  at: number;
  expires_at: number;
  target: string;
  cmd: string;
  args: string;
  issuer: string;
  actor_name: string | null;
  actor_role: string | null;
}

const COLUMNS = 'seq, at, expires_at, target, cmd, args, issuer, actor_name, actor_role';
const ROLES: ReadonlySet<string> = new Set<Role>(['readonly', 'crew', 'technician']);

/** Only a whole actor reads back: a name without a known role (a damaged row) is left out, never guessed. */
function actorOf(r: Row): Actor | undefined {
  return r.actor_name !== null && r.actor_role !== null && ROLES.has(r.actor_role) ? { name: r.actor_name, role: r.actor_role as Role } : undefined;
}

function fromRow(r: Row): LoggedCommand {
  const actor = actorOf(r);
  return {
    body: { seq: r.seq, at: r.at, expiresAt: r.expires_at, target: JSON.parse(r.target) as Target, cmd: r.cmd, args: JSON.parse(r.args) } as CommandBody,
    issuer: r.issuer,
    ...(actor ? { actor } : {}),
  };
}

/** A client's Idempotency-Key as committed with the command it produced. */
export interface IdempotencyRecord {
  key: string;
  /** sha256 of what was asked (body and ttl): the same key with another request is refused. */
  fingerprint: string;
}

export interface HistoryQuery {
  /** Only seqs below this (the previous page's `next`). */
  before?: number;
  limit: number;
  cmd?: string;
  issuer?: string;
}

export interface StoredSnapshot {
  seq: number;
  state: string;
  takenAt: number;
}

/**
 * The command log: the commands the controller issued, back to the retention
 * (`commands.retentionMs` after expiry; older ones are pruned once a snapshot
 * covers them). A command is committed and fsync'd here before its first
 * datagram leaves, so its seq is never reused, also after kill -9 or a power
 * cut; AUTOINCREMENT keeps seqs rising even when every row has been pruned.
 */
export class CommandLog {
  readonly #insert;
  readonly #insertKey;
  readonly #findKey;
  readonly #get;
  readonly #after;
  readonly #liveUpTo;
  readonly #loadSnapshot;
  readonly #saveSnapshot;
  readonly #pruneCommands;
  readonly #pruneKeys;
  readonly #pages = new Map<string, Statement>();

  constructor(private readonly db: Db) {
    this.#insert = db.prepare('INSERT INTO commands (at, expires_at, target, cmd, args, issuer, actor_name, actor_role) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.#insertKey = db.prepare('INSERT INTO command_idempotency (issuer, key, fingerprint, seq, expires_at) VALUES (?, ?, ?, ?, ?)');
    this.#findKey = db.prepare('SELECT fingerprint, seq FROM command_idempotency WHERE issuer = ? AND key = ?');
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM commands WHERE seq = ?`);
    // Start-up reads what the snapshot does not cover (a primary-key range) and what is still live
    // (commands_expires, named: the planner would rather walk the key range, i.e. the history).
    this.#after = db.prepare(`SELECT ${COLUMNS} FROM commands WHERE seq > ? ORDER BY seq`);
    this.#liveUpTo = db.prepare(`SELECT ${COLUMNS} FROM commands INDEXED BY commands_expires WHERE expires_at >= ? AND seq <= ?`);
    this.#loadSnapshot = db.prepare('SELECT seq, state, taken_at AS takenAt FROM command_snapshot WHERE id = 1');
    this.#saveSnapshot = db.prepare('INSERT OR REPLACE INTO command_snapshot (id, seq, state, taken_at) VALUES (1, ?, ?, ?)');
    this.#pruneCommands = db.prepare('DELETE FROM commands WHERE seq IN (SELECT seq FROM commands WHERE expires_at < ? AND seq <= ? LIMIT ?)');
    this.#pruneKeys = db.prepare('DELETE FROM command_idempotency WHERE (issuer, key) IN (SELECT issuer, key FROM command_idempotency WHERE expires_at < ? AND seq <= ? LIMIT ?)');
  }

  /**
   * Assigns the next seq and commits, with the idempotency key when there is
   * one (a retry then finds it, also after a power cut). `check` runs inside
   * the transaction with the final body (e.g. encoding it): if it throws,
   * nothing is committed.
   */
  append<T>(req: CommandRequest, issuer: string, at: number, expiresAt: number, check: (body: CommandBody) => T, idempotency?: IdempotencyRecord, actor?: Actor): { body: CommandBody; checked: T } {
    return writeAhead(this.db, () => {
      const info = this.#insert.run(at, expiresAt, JSON.stringify(req.target), req.cmd, JSON.stringify(req.args), issuer, actor?.name ?? null, actor?.role ?? null);
      const body = { seq: Number(info.lastInsertRowid), at, expiresAt, target: req.target, cmd: req.cmd, args: req.args } as CommandBody;
      if (idempotency) this.#insertKey.run(issuer, idempotency.key, idempotency.fingerprint, body.seq, expiresAt);
      return { body, checked: check(body) };
    });
  }

  findIdempotencyKey(issuer: string, key: string): { fingerprint: string; seq: number } | undefined {
    return this.#findKey.get(issuer, key) as { fingerprint: string; seq: number } | undefined;
  }

  get(seq: number): LoggedCommand | undefined {
    const r = this.#get.get(seq) as Row | undefined;
    return r && fromRow(r);
  }

  /** In seq order: every command after `seq`, and every one not expired at wall time `wall`. */
  *since(seq: number, wall: number): Generator<LoggedCommand> {
    const live = (this.#liveUpTo.all(wall, seq) as Row[]).sort((a, b) => a.seq - b.seq);
    for (const r of live) yield fromRow(r);
    for (const r of this.#after.iterate(seq) as IterableIterator<Row>) yield fromRow(r);
  }

  /** Every command, in seq order (tests, and a log with no snapshot yet). */
  all(): LoggedCommand[] {
    return [...this.since(0, Number.MAX_SAFE_INTEGER)];
  }

  /** Newest first, filtered by cmd and issuer in SQL. */
  page(q: HistoryQuery): LoggedCommand[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.before !== undefined) (where.push('seq < ?'), params.push(q.before));
    if (q.cmd !== undefined) (where.push('cmd = ?'), params.push(q.cmd));
    if (q.issuer !== undefined) (where.push('issuer = ?'), params.push(q.issuer));
    const sql = `SELECT ${COLUMNS} FROM commands ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    let stmt = this.#pages.get(sql);
    if (!stmt) this.#pages.set(sql, (stmt = this.db.prepare(sql)));
    return (stmt.all(...params, q.limit) as Row[]).map(fromRow);
  }

  /** The highest seq ever assigned (sqlite_sequence outlives pruned rows), 0 for a new log. */
  lastSeq(): number {
    const r = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'commands'").get() as { seq: number } | undefined;
    return r?.seq ?? 0;
  }

  /**
   * Makes sure the next seq is above `seq` (the snapshot's): if the sequence
   * row were ever lost, a seq would be reused and seats would ignore it.
   */
  keepSequenceAbove(seq: number): void {
    if (this.lastSeq() >= seq) return;
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM sqlite_sequence WHERE name = 'commands'").run();
      this.db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('commands', ?)").run(seq);
    })();
  }

  loadSnapshot(): StoredSnapshot | undefined {
    return this.#loadSnapshot.get() as StoredSnapshot | undefined;
  }

  /** Durably (writeAhead): commands it covers may be pruned once it is committed. */
  saveSnapshot(seq: number, state: string, takenAt: number): void {
    writeAhead(this.db, () => this.#saveSnapshot.run(seq, state, takenAt));
  }

  /**
   * Deletes at most `chunk` commands that expired before `cutoff` (wall ms)
   * and are covered by the snapshot (seq <= upTo), with their idempotency
   * keys. Returns how many rows went; call again until 0.
   */
  prune(upTo: number, cutoff: number, chunk: number): number {
    return this.db.transaction(() => {
      return this.#pruneCommands.run(cutoff, upTo, chunk).changes + this.#pruneKeys.run(cutoff, upTo, chunk).changes;
    })();
  }
}
