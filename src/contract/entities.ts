import type { Observable } from 'rxjs';

/**
 * A thing the crew or a technician looks at (Home Assistant's state machine):
 * a channel, a drive, a serial port, a discrete, the flight phase, the PA, a
 * rollout, the tunnel, a service. The panel, the SSH console and /metrics
 * read entities generically, so a new kind shows up without editing them.
 * Seats are the largest kind and keep their own registry and summaries.
 */
export interface Entity {
  /** Unique across kinds, by convention `<kind>:<name>`, e.g. `channel:news`. */
  id: string;
  kind: string;
  /** One short word a person can read: `on-air`, `idle`, `ok`, `down`, ... */
  state: string;
  /** A name to show; the id when absent. */
  name?: string;
  /**
   * Free-form, but two are read generically: `attention` (boolean), set by
   * the publisher, says whether this state needs someone (the panel's Systems
   * view trusts it over its own list of calm states); `detail`, `reason` or
   * `lastError` (string) is shown as the why. A third makes a crew alert:
   * while `crewAlert` (string) is set, a `system` alert with that text is
   * open for the entity (priority `crewAlertPriority`, `high` or `normal`,
   * default `normal`), resolved when the attribute goes or the entity does.
   */
  attributes: Record<string, unknown>;
  /** Wall ms when `state` last changed. */
  changedAt: number;
  /** Wall ms of the last write of any field. */
  updatedAt: number;
}

/** What a feature writes: the times are the machine's. */
export type EntityUpdate = Pick<Entity, 'id' | 'kind' | 'state'> & Partial<Pick<Entity, 'name' | 'attributes'>>;

/** A change: the entity as it is now, or removed. */
export type EntityChange = { type: 'set'; entity: Entity } | { type: 'removed'; id: string; kind: string };

/**
 * The one state machine of entities. Last-known state is written behind to
 * SQLite (about once a second) and restored at start, marked `restored` until
 * its owner sets it again.
 */
export interface EntityStates {
  /** Sets an entity; a change is published only if something a person would see changed. */
  set(update: EntityUpdate): Entity;
  remove(id: string): void;
  get(id: string): Entity | undefined;
  /** Every entity, or those of one kind, sorted by id. */
  all(kind?: string): Entity[];
  readonly changes$: Observable<EntityChange>;
}
