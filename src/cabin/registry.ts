import { Subject, type Observable } from 'rxjs';
import type { Layout } from '../config/layout.js';
import type { PollRequest } from '../../protocols/seat-poll/types.js';
import type { CabinEvent } from './events.js';
import { checkOffline } from './liveness.js';
import { applyPoll, type Now } from './poll-decision.js';
import { emptySnapshot, NO_EDGES, recordFromSnapshot, type SeatRecord, type SeatSnapshot } from './seat-record.js';

export interface AcceptedPoll {
  seat: string;
  serial: string;
  bootId: string;
  ackCmd: number;
  stale: boolean;
}

/**
 * The cabin's last-known state: one record per seat of the layout. It applies
 * the pure decisions and publishes what they decide; the store, the panel and
 * delivery tracking subscribe.
 */
export class SeatRegistry {
  readonly #records = new Map<string, SeatRecord>();
  /** Where each LRU serial is installed now, to notice an LRU moved between seats. */
  readonly #serialAt = new Map<string, string>();
  readonly #events = new Subject<CabinEvent>();
  readonly #changes = new Subject<SeatSnapshot>();
  readonly #polls = new Subject<AcceptedPoll>();
  /** Seats whose last-known state changed since the store last took them. */
  readonly #dirty = new Set<string>();
  /** Seats whose snapshot changed only in per-poll churn (uptime, seq, position...) since the store last took them; oldest first. */
  readonly #churned = new Set<string>();

  readonly events$: Observable<CabinEvent> = this.#events.asObservable();
  /** Snapshots of seats whose visible state changed (for live views). */
  readonly changes$: Observable<SeatSnapshot> = this.#changes.asObservable();
  readonly polls$: Observable<AcceptedPoll> = this.#polls.asObservable();

  constructor(readonly layout: Layout, private readonly pollIntervalMs: number) {
    for (const s of layout.seats) this.#records.set(s.id, { snap: emptySnapshot(s.id, s.zone), lastPollMono: Number.NEGATIVE_INFINITY, edges: NO_EDGES });
  }

  /** Loads snapshots from the store at start; seats no longer in the layout are dropped. */
  restore(snaps: SeatSnapshot[]): void {
    for (const snap of snaps) {
      const def = this.layout.byId.get(snap.seat);
      if (!def) continue;
      this.#records.set(snap.seat, recordFromSnapshot({ ...snap, zone: def.zone }));
      if (snap.lru) this.#serialAt.set(snap.lru.serial, snap.seat);
    }
  }

  has(seat: string): boolean {
    return this.#records.has(seat);
  }

  get(seat: string): SeatSnapshot | undefined {
    return this.#records.get(seat)?.snap;
  }

  all(): SeatSnapshot[] {
    return this.layout.seats.map((s) => this.#records.get(s.id)!.snap);
  }

  onlineCount(): number {
    let n = 0;
    for (const r of this.#records.values()) if (r.snap.status === 'online') n++;
    return n;
  }

  /** Applies a validated, authenticated poll. The seat must be in the layout. */
  accept(poll: PollRequest, now: Now): AcceptedPoll {
    const prev = this.#records.get(poll.seat)!;
    const out = applyPoll(prev, poll, now);
    const accepted: AcceptedPoll = { seat: poll.seat, serial: poll.lru.serial, bootId: poll.bootId, ackCmd: poll.ackCmd, stale: out.stale };
    if (out.stale) {
      this.#polls.next(accepted);
      return accepted;
    }
    this.#records.set(poll.seat, out.next);
    if (out.stateChange) this.#dirty.add(poll.seat);
    else if (!this.#dirty.has(poll.seat)) this.#churned.add(poll.seat);
    for (const ev of out.events) {
      if (ev.type === 'lru.installed') this.#moveSerial(ev.serial, poll.seat, now);
      this.#events.next(ev);
    }
    if (out.visibleChange) this.#changes.next(out.next.snap);
    this.#polls.next(accepted);
    return accepted;
  }

  /** Marks seats offline that missed 3 intervals. Called by a timer. */
  tick(now: Now): void {
    for (const [id, rec] of this.#records) {
      const t = checkOffline(rec, now.mono, now.wall, this.pollIntervalMs);
      if (!t) continue;
      this.#records.set(id, t.next);
      this.#dirty.add(id);
      this.#events.next(t.event);
      this.#changes.next(t.next.snap);
    }
  }

  /**
   * Hands the store the snapshots to write: every seat whose last-known state
   * changed since the last call, then at most `churnLimit` of the seats that
   * only churned (the longest-unwritten first; the rest wait for a later call).
   * Without a limit: every changed snapshot.
   */
  takeDirty(churnLimit = Number.POSITIVE_INFINITY): SeatSnapshot[] {
    const out: SeatSnapshot[] = [];
    for (const id of this.#dirty) {
      out.push(this.#records.get(id)!.snap);
      this.#churned.delete(id);
    }
    this.#dirty.clear();
    let churn = 0;
    for (const id of this.#churned) {
      if (churn++ >= churnLimit) break;
      out.push(this.#records.get(id)!.snap);
      this.#churned.delete(id);
    }
    return out;
  }

  /** How many seats wait to be written: with a state change, and with churn only. */
  get unwritten(): { changed: number; churned: number } {
    return { changed: this.#dirty.size, churned: this.#churned.size };
  }

  /** Publishes an event that did not come from a poll (crew actions, commands, PA). */
  publish(ev: CabinEvent): void {
    this.#events.next(ev);
  }

  #moveSerial(serial: string, seat: string, now: Now): void {
    const was = this.#serialAt.get(serial);
    this.#serialAt.set(serial, seat);
    if (!was || was === seat) return;
    const rec = this.#records.get(was);
    if (!rec || rec.snap.lru?.serial !== serial) return;
    // The LRU now answers from another seat: the old seat is empty until something polls from it.
    const next: SeatRecord = { ...rec, snap: { ...rec.snap, lru: null, bootId: null, status: 'offline' } };
    this.#records.set(was, next);
    this.#dirty.add(was);
    this.#events.next({ type: 'lru.removed', seat: was, at: now.wall, serial });
    this.#changes.next(next.snap);
  }

  complete(): void {
    this.#events.complete();
    this.#changes.complete();
    this.#polls.complete();
  }
}
