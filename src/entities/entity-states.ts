import { isDeepStrictEqual } from 'node:util';
import { Subject, type Observable } from 'rxjs';
import type { Entity, EntityChange, EntityStates, EntityUpdate } from '../contract/entities.js';
import type { Db } from '../store/database.js';

interface Row {
  id: string;
  kind: string;
  state: string;
  name: string | null;
  attributes: string;
  changed_at: number;
  updated_at: number;
}

/**
 * The state machine of every entity but seats, in memory, written behind to
 * SQLite (`flush()`, called with the seats' write-behind about once a second)
 * and restored at start. A restored entity carries `restored: true` until its
 * owner sets it again, so nobody mistakes last flight's state for now.
 */
export class EntityTable implements EntityStates {
  readonly #entities = new Map<string, Entity>();
  readonly #dirty = new Set<string>();
  readonly #removed = new Set<string>();
  readonly #changes = new Subject<EntityChange>();
  readonly changes$: Observable<EntityChange> = this.#changes.asObservable();
  readonly #upsert;
  readonly #delete;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    this.#upsert = db.prepare(
      `INSERT INTO entities (id, kind, state, name, attributes, changed_at, updated_at) VALUES (@id, @kind, @state, @name, @attributes, @changed_at, @updated_at)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, state = excluded.state, name = excluded.name, attributes = excluded.attributes, changed_at = excluded.changed_at, updated_at = excluded.updated_at`,
    );
    this.#delete = db.prepare('DELETE FROM entities WHERE id = ?');
    for (const r of db.prepare('SELECT id, kind, state, name, attributes, changed_at, updated_at FROM entities').all() as Row[]) {
      let attributes: Record<string, unknown> = {};
      try {
        attributes = JSON.parse(r.attributes) as Record<string, unknown>;
      } catch {
        // a row we cannot read is shown without attributes rather than dropped
      }
      this.#entities.set(r.id, { id: r.id, kind: r.kind, state: r.state, ...(r.name ? { name: r.name } : {}), attributes: { ...attributes, restored: true }, changedAt: r.changed_at, updatedAt: r.updated_at });
    }
  }

  set(u: EntityUpdate): Entity {
    const prev = this.#entities.get(u.id);
    const attributes = u.attributes ?? {};
    const name = u.name ?? prev?.name;
    if (prev && prev.kind === u.kind && prev.state === u.state && prev.name === name && isDeepStrictEqual(prev.attributes, attributes)) return prev;
    const at = this.now();
    const next: Entity = {
      id: u.id,
      kind: u.kind,
      state: u.state,
      ...(name !== undefined ? { name } : {}),
      attributes,
      changedAt: prev && prev.state === u.state ? prev.changedAt : at,
      updatedAt: at,
    };
    this.#entities.set(u.id, next);
    this.#dirty.add(u.id);
    this.#removed.delete(u.id);
    this.#changes.next({ type: 'set', entity: next });
    return next;
  }

  remove(id: string): void {
    const prev = this.#entities.get(id);
    if (!prev) return;
    this.#entities.delete(id);
    this.#dirty.delete(id);
    this.#removed.add(id);
    this.#changes.next({ type: 'removed', id, kind: prev.kind });
  }

  get(id: string): Entity | undefined {
    return this.#entities.get(id);
  }

  all(kind?: string): Entity[] {
    const out = [...this.#entities.values()].filter((e) => kind === undefined || e.kind === kind);
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Entities changed since the last flush, waiting to be written. */
  get unwritten(): number {
    return this.#dirty.size + this.#removed.size;
  }

  /** Writes what changed in one transaction. On failure nothing is forgotten: the next flush tries again. */
  flush(): number {
    if (this.#dirty.size === 0 && this.#removed.size === 0) return 0;
    const dirty = [...this.#dirty];
    const removed = [...this.#removed];
    this.db.transaction(() => {
      for (const id of removed) this.#delete.run(id);
      for (const id of dirty) {
        const e = this.#entities.get(id);
        if (!e) continue;
        const { restored: _restored, ...attributes } = e.attributes;
        this.#upsert.run({ id, kind: e.kind, state: e.state, name: e.name ?? null, attributes: JSON.stringify(attributes), changed_at: e.changedAt, updated_at: e.updatedAt });
      }
    })();
    for (const id of dirty) this.#dirty.delete(id);
    for (const id of removed) this.#removed.delete(id);
    return dirty.length + removed.length;
  }

  complete(): void {
    this.#changes.complete();
  }
}
