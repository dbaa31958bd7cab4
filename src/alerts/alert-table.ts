import type { Db } from '../store/database.js';
import type { Alert, AlertChange } from './alert.js';

/** The open alerts in SQLite, so a call still waits on the panel after a controller restart. */
export class AlertTable {
  readonly #upsert;
  readonly #delete;

  constructor(private readonly db: Db) {
    this.#upsert = db.prepare('INSERT INTO alerts (id, alert) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET alert = excluded.alert');
    this.#delete = db.prepare('DELETE FROM alerts WHERE id = ?');
  }

  load(): Alert[] {
    return (this.db.prepare('SELECT alert FROM alerts').all() as { alert: string }[]).map((r) => JSON.parse(r.alert) as Alert);
  }

  /** One transaction for a burst (a whole cabin going offline at once). */
  apply(changes: readonly AlertChange[]): void {
    this.db.transaction(() => {
      for (const c of changes) {
        if (c.op === 'close') this.#delete.run(c.alert.id);
        else this.#upsert.run(c.alert.id, JSON.stringify(c.alert));
      }
    })();
  }
}
