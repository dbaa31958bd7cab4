import type { CabinEvent } from '../contract/events.js';
import type { SeatSnapshot } from '../cabin/seat-record.js';
import type { Db } from './database.js';

export interface StoredEvent {
  id: number;
  at: number;
  seat: string | null;
  type: string;
  data: Record<string, unknown>;
}

export interface LruHistoryRow {
  serial: string;
  seat: string;
  action: 'installed' | 'removed';
  at: number;
}

/** How many events history keeps; older ones are pruned every PRUNE_EVERY_TRANSACTIONS flushes. */
export const EVENT_HISTORY_LIMIT = 200_000;
/** About once a minute at one flush a second: between prunes the history may hold that many flushes' events more. */
export const PRUNE_EVERY_TRANSACTIONS = 60;

/** What the store has written since it was opened (for metrics and tests). */
export interface StoreWriteCounts {
  transactions: number;
  seatRows: number;
  eventRows: number;
}

/**
 * Last-known cabin state in SQLite, written behind: seat snapshots and events
 * are queued and committed about once a second (see WriteBehind for which
 * snapshots and how many rows per transaction). A seat queued twice before a
 * commit is written once, with its latest snapshot.
 */
export class CabinStore {
  readonly #upsertSeat;
  readonly #insertEvent;
  readonly #upsertLru;
  readonly #unseatLru;
  readonly #insertLruHistory;
  readonly #lruFirmware;
  #pendingEvents: CabinEvent[] = [];
  /** Queued snapshots by seat, in the order first queued. */
  readonly #pendingSeats = new Map<string, SeatSnapshot>();
  readonly #written: StoreWriteCounts = { transactions: 0, seatRows: 0, eventRows: 0 };

  readonly #prune;

  constructor(
    private readonly db: Db,
    /** Events history keeps (tests make it small). */
    private readonly historyLimit = EVENT_HISTORY_LIMIT,
  ) {
    this.#prune = db.prepare('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?');
    this.#upsertSeat = db.prepare('INSERT INTO seats (seat, state, updated_at) VALUES (?, ?, ?) ON CONFLICT(seat) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at');
    this.#insertEvent = db.prepare('INSERT INTO events (at, seat, type, data) VALUES (?, ?, ?, ?)');
    this.#upsertLru = db.prepare(
      `INSERT INTO lrus (serial, model, firmware, mac, seat, first_seen, last_seen) VALUES (@serial, @model, @firmware, @mac, @seat, @at, @at)
       ON CONFLICT(serial) DO UPDATE SET model = excluded.model, firmware = excluded.firmware, mac = excluded.mac, seat = excluded.seat, last_seen = excluded.last_seen`,
    );
    this.#unseatLru = db.prepare('UPDATE lrus SET seat = NULL, last_seen = ? WHERE serial = ? AND seat = ?');
    this.#insertLruHistory = db.prepare('INSERT INTO lru_history (serial, seat, action, at) VALUES (?, ?, ?, ?)');
    this.#lruFirmware = db.prepare('UPDATE lrus SET firmware = ?, last_seen = ? WHERE serial = ?');
  }

  queueEvent(ev: CabinEvent): void {
    this.#pendingEvents.push(ev);
  }

  /** Queues snapshots for the next commit; a later snapshot of a queued seat replaces the earlier one. */
  queueSnapshots(snaps: Iterable<SeatSnapshot>): void {
    for (const s of snaps) this.#pendingSeats.set(s.seat, s);
  }

  get pendingEvents(): number {
    return this.#pendingEvents.length;
  }

  /** Rows queued and not yet committed: events plus seat snapshots. */
  get pendingRows(): number {
    return this.#pendingEvents.length + this.#pendingSeats.size;
  }

  /** Transactions and rows committed since the store was opened. */
  get written(): Readonly<StoreWriteCounts> {
    return { ...this.#written };
  }

  /**
   * Queues `snaps`, then commits in one transaction everything queued, or with
   * `maxRows` at most that many rows: events first, in order, then seats in the
   * order they were queued. Returns how many rows stay queued for a later call.
   * What a failed transaction took stays queued for the next call (it throws).
   */
  flush(snaps: Iterable<SeatSnapshot> = [], opts: { now?: number; maxRows?: number } = {}): number {
    this.queueSnapshots(snaps);
    const budget = opts.maxRows ?? Number.POSITIVE_INFINITY;
    let events = this.#pendingEvents;
    if (events.length <= budget) this.#pendingEvents = [];
    else events = this.#pendingEvents.splice(0, budget);
    const seats: SeatSnapshot[] = [];
    for (const [id, s] of this.#pendingSeats) {
      if (events.length + seats.length >= budget) break;
      seats.push(s);
      this.#pendingSeats.delete(id);
    }
    if (seats.length === 0 && events.length === 0) return this.pendingRows;
    const now = opts.now ?? Date.now();
    try {
      this.#commit(seats, events, now);
    } catch (e) {
      // Retried, not dropped: back in the queue ahead of anything newer (a newer snapshot of a seat wins).
      this.#pendingEvents = [...events, ...this.#pendingEvents];
      for (const s of seats) if (!this.#pendingSeats.has(s.seat)) this.#pendingSeats.set(s.seat, s);
      throw e;
    }
    return this.pendingRows;
  }

  #commit(seats: SeatSnapshot[], events: CabinEvent[], now: number): void {
    this.db.transaction(() => {
      for (const s of seats) this.#upsertSeat.run(s.seat, JSON.stringify(s), now);
      for (const ev of events) {
        const { type, seat, at, ...data } = ev;
        this.#insertEvent.run(at, seat, type, JSON.stringify(data));
        this.#applyInventory(ev);
      }
      if (++this.#written.transactions % PRUNE_EVERY_TRANSACTIONS === 0) this.#prune.run(this.historyLimit);
    })();
    this.#written.seatRows += seats.length;
    this.#written.eventRows += events.length;
  }

  #applyInventory(ev: CabinEvent): void {
    if (ev.type === 'lru.installed') {
      this.#upsertLru.run({ serial: ev.serial, model: ev.model, firmware: ev.firmware, mac: ev.mac, seat: ev.seat, at: ev.at });
      this.#insertLruHistory.run(ev.serial, ev.seat, 'installed', ev.at);
    } else if (ev.type === 'lru.removed') {
      this.#unseatLru.run(ev.at, ev.serial, ev.seat);
      this.#insertLruHistory.run(ev.serial, ev.seat, 'removed', ev.at);
    } else if (ev.type === 'lru.firmware') {
      this.#lruFirmware.run(ev.to, ev.at, ev.serial);
    }
  }

  loadSnapshots(): SeatSnapshot[] {
    return (this.db.prepare('SELECT state FROM seats').all() as { state: string }[]).map((r) => JSON.parse(r.state) as SeatSnapshot);
  }

  recentEvents(opts: { seat?: string; limit?: number; beforeId?: number } = {}): StoredEvent[] {
    const limit = Math.min(opts.limit ?? 50, 500);
    const before = opts.beforeId ?? Number.MAX_SAFE_INTEGER;
    const rows = (
      opts.seat
        ? this.db.prepare('SELECT id, at, seat, type, data FROM events WHERE seat = ? AND id < ? ORDER BY id DESC LIMIT ?').all(opts.seat, before, limit)
        : this.db.prepare('SELECT id, at, seat, type, data FROM events WHERE id < ? ORDER BY id DESC LIMIT ?').all(before, limit)
    ) as { id: number; at: number; seat: string | null; type: string; data: string }[];
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  lruHistory(opts: { seat?: string; serial?: string }): LruHistoryRow[] {
    if (opts.seat) return this.db.prepare('SELECT serial, seat, action, at FROM lru_history WHERE seat = ? ORDER BY id').all(opts.seat) as LruHistoryRow[];
    if (opts.serial) return this.db.prepare('SELECT serial, seat, action, at FROM lru_history WHERE serial = ? ORDER BY id').all(opts.serial) as LruHistoryRow[];
    return this.db.prepare('SELECT serial, seat, action, at FROM lru_history ORDER BY id').all() as LruHistoryRow[];
  }

  inventory(): { serial: string; model: string; firmware: string; mac: string; seat: string | null; first_seen: number; last_seen: number }[] {
    return this.db.prepare('SELECT serial, model, firmware, mac, seat, first_seen, last_seen FROM lrus ORDER BY serial').all() as never;
  }
}
