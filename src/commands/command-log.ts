import type { CommandBody, CommandRequest, Target } from '../../protocols/seat-command/types.js';
import { writeAhead, type Db } from '../store/database.js';

export interface LoggedCommand {
  body: CommandBody;
  issuer: string;
}

interface Row {
  seq: number;
  at: number;
  expires_at: number;
  target: string;
  cmd: string;
  args: string;
  issuer: string;
}

function fromRow(r: Row): LoggedCommand {
  return {
    body: { seq: r.seq, at: r.at, expiresAt: r.expires_at, target: JSON.parse(r.target) as Target, cmd: r.cmd, args: JSON.parse(r.args) } as CommandBody,
    issuer: r.issuer,
  };
}

/**
 * The command log: every command the controller ever issued. A command is
 * committed and fsync'd here before its first datagram leaves, so its seq is
 * never reused, also after kill -9 or a power cut.
 */
export class CommandLog {
  readonly #insert;
  readonly #all;

  constructor(private readonly db: Db) {
    this.#insert = db.prepare('INSERT INTO commands (at, expires_at, target, cmd, args, issuer) VALUES (?, ?, ?, ?, ?, ?)');
    this.#all = db.prepare('SELECT seq, at, expires_at, target, cmd, args, issuer FROM commands ORDER BY seq');
  }

  /**
   * Assigns the next seq and commits. `check` runs inside the transaction with the
   * final body (e.g. encoding it): if it throws, nothing is committed.
   */
  append<T>(req: CommandRequest, issuer: string, at: number, expiresAt: number, check: (body: CommandBody) => T): { body: CommandBody; checked: T } {
    return writeAhead(this.db, () => {
      const info = this.#insert.run(at, expiresAt, JSON.stringify(req.target), req.cmd, JSON.stringify(req.args), issuer);
      const body = { seq: Number(info.lastInsertRowid), at, expiresAt, target: req.target, cmd: req.cmd, args: req.args } as CommandBody;
      return { body, checked: check(body) };
    });
  }

  all(): LoggedCommand[] {
    return (this.#all.all() as Row[]).map(fromRow);
  }
}
