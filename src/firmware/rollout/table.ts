import type { Db } from '../../store/database.js';
import { writeAhead } from '../../store/database.js';
import type { Rollout } from './model.js';

export const ROLLOUT_TABLE_SQL = `
  -- One JSON document per rollout (model.ts); state and image are copied out for listing.
  CREATE TABLE firmware_rollouts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    model      TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    doc        TEXT    NOT NULL
  );
  CREATE INDEX firmware_rollouts_state ON firmware_rollouts (state);
`;

/** The `firmware_rollouts` rows. */
export class RolloutTable {
  readonly #insert;
  readonly #update;
  readonly #get;
  readonly #list;
  readonly #open;

  constructor(private readonly db: Db) {
    this.#insert = db.prepare<[string, string, string, number]>(`INSERT INTO firmware_rollouts (model, version, state, created_at, doc) VALUES (?, ?, ?, ?, '{}')`);
    this.#update = db.prepare<[string, string, number]>('UPDATE firmware_rollouts SET state = ?, doc = ? WHERE id = ?');
    this.#get = db.prepare<[number], { doc: string }>('SELECT doc FROM firmware_rollouts WHERE id = ?');
    this.#list = db.prepare<[number], { doc: string }>('SELECT doc FROM firmware_rollouts ORDER BY id DESC LIMIT ?');
    // Completed means every seat settled; anything else may still have seats in flight.
    this.#open = db.prepare<[], { doc: string }>(`SELECT doc FROM firmware_rollouts WHERE state != 'completed' ORDER BY id`);
  }

  /** Commits a new rollout (fsync'd) before anything is sent; `build` gets its id. */
  create(model: string, version: string, at: number, build: (id: number) => Rollout): Rollout {
    return writeAhead(this.db, () => {
      const id = Number(this.#insert.run(model, version, 'running', at).lastInsertRowid);
      const r = build(id);
      this.#update.run(r.state, JSON.stringify(r), id);
      return r;
    });
  }

  /** `durable`: fsync'd before it returns (state changes, seats about to be told); else write-behind (progress figures). */
  save(r: Rollout, durable: boolean): void {
    const run = () => this.#update.run(r.state, JSON.stringify(r), r.id);
    if (durable) writeAhead(this.db, run);
    else run();
  }

  get(id: number): Rollout | undefined {
    const row = this.#get.get(id);
    return row && (JSON.parse(row.doc) as Rollout);
  }

  list(limit: number): Rollout[] {
    return this.#list.all(limit).map((row) => JSON.parse(row.doc) as Rollout);
  }

  /** Rollouts that may still have seats to follow, oldest first. */
  open(): Rollout[] {
    return this.#open.all().map((row) => JSON.parse(row.doc) as Rollout);
  }
}
