import { Subject, type Observable } from 'rxjs';
import type { Layout } from '../config/layout.js';
import type { PollRequest } from '../../protocols/seat-poll/types.js';
import type { EventBus } from '../contract/event-bus.js';
import { checkOffline } from './liveness.js';
import { DEFAULT_MAX_PAST_BOOTS, judgeFreshness, NO_FRESHNESS, randomNonce, type FreshnessState } from './freshness.js';
import { MoveBook, type ListedMove, type PendingMove } from './moves.js';
import { applyPoll, type Now } from './poll-decision.js';
import { emptySnapshot, freshnessOf, NO_EDGES, recordFromSnapshot, type SeatRecord, type SeatSnapshot } from './seat-record.js';
import type { PollRefusalCode } from '../../protocols/seat-poll/types.js';

export interface AcceptedPoll {
  seat: string;
  serial: string;
  bootId: string;
  ackCmd: number;
  stale: boolean;
}

/** What the poll route answers: an applied (or duplicate) poll with the nonce to hand out, or a 409 refusal. */
export type PollVerdict =
  | ({ ok: true; nonce: string } & AcceptedPoll)
  | { ok: false; code: PollRefusalCode; message: string; field?: string; nonce?: string };

export interface RegistryOptions {
  /**
   * A unit claiming a seat whose own unit polled less than this long ago (or is
   * online) is held as a pending move until a technician decides or the seat's
   * unit has been silent this long. Default 120 000 ms.
   */
  moveHoldMs?: number;
  /** How long a technician's confirmation or rejection of a move holds, and an unrepeated claim is kept. Default 600 000 ms. */
  moveDecisionTtlMs?: number;
  /** Superseded bootIds remembered per unit (replays of them are refused). Default 16. */
  maxPastBoots?: number;
  /** Nonces for poll v1.1 (tests pass their own). Default: 128 random bits, hex. */
  newNonce?: () => string;
}

export const DEFAULT_MOVE_HOLD_MS = 120_000;
export const DEFAULT_MOVE_DECISION_TTL_MS = 600_000;

/** The answer of confirmMove / rejectMove. */
export type MoveDecision = { ok: true; move: PendingMove } | { ok: false; reason: 'unknown-seat' | 'no-such-claim' };

/**
 * The cabin's last-known state: one record per seat of the layout. It applies
 * the pure decisions and publishes the events they decide on the event bus;
 * the panel and delivery tracking subscribe to its seat changes and polls.
 */
export class SeatRegistry {
  readonly #records = new Map<string, SeatRecord>();
  /** Where each LRU serial is installed now, to notice an LRU moved between seats. */
  readonly #serialAt = new Map<string, string>();
  readonly #changes = new Subject<SeatSnapshot>();
  readonly #polls = new Subject<AcceptedPoll>();
  /** Seats whose last-known state changed since the store last took them. */
  readonly #dirty = new Set<string>();
  /** Seats whose snapshot changed only in per-poll churn (uptime, seq, position...) since the store last took them; oldest first. */
  readonly #churned = new Set<string>();

  /** Snapshots of seats whose visible state changed (for live views). */
  readonly changes$: Observable<SeatSnapshot> = this.#changes.asObservable();
  readonly polls$: Observable<AcceptedPoll> = this.#polls.asObservable();

  readonly #moves: MoveBook;
  readonly #moveHoldMs: number;
  readonly #maxPastBoots: number;
  readonly #newNonce: () => string;
  /** Wall ms of the last accept or tick, for decisions made between polls. */
  #lastWall = 0;

  constructor(
    readonly layout: Layout,
    private readonly pollIntervalMs: number,
    /** Where its events go: the controller's one bus. */
    readonly bus: EventBus,
    options: RegistryOptions = {},
  ) {
    this.#moveHoldMs = options.moveHoldMs ?? DEFAULT_MOVE_HOLD_MS;
    this.#moves = new MoveBook(options.moveDecisionTtlMs ?? DEFAULT_MOVE_DECISION_TTL_MS);
    this.#maxPastBoots = options.maxPastBoots ?? DEFAULT_MAX_PAST_BOOTS;
    this.#newNonce = options.newNonce ?? randomNonce;
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

  /**
   * Judges and applies a validated, authenticated poll (the seat must be in the
   * layout): refused when it is not fresh (STALE_POLL, NONCE_REQUIRED) or is a
   * claim of a seat held for a technician (MOVE_PENDING, MOVE_REJECTED); a
   * refused poll changes no seat and is not an acknowledgement.
   */
  accept(poll: PollRequest, now: Now): PollVerdict {
    this.#lastWall = now.wall;
    const serial = poll.lru.serial;
    const prev = this.#records.get(poll.seat)!;
    const from = this.#installedAt(serial);
    const fromRec = from === null ? undefined : this.#records.get(from)!;

    // Fresh? Judged against the unit's own state, wherever it is installed.
    const state: FreshnessState = fromRec ? freshnessOf(fromRec.snap) : NO_FRESHNESS;
    const fresh = judgeFreshness(state, fromRec?.snap.bootId ?? null, poll, this.#newNonce, this.#maxPastBoots);
    if (!fresh.ok) {
      // A nonce made for the refusal is kept, so the seat's retry with it is accepted.
      if (fromRec && fresh.next !== state) this.#setFreshness(from!, fresh.next);
      return { ok: false, code: fresh.code, message: fresh.message, field: 'nonce', nonce: fresh.nonce };
    }

    if (from !== poll.seat) {
      const held = this.#judgeMove(poll, prev, from, fromRec, now.wall);
      if (held) return held;
    }

    const out = applyPoll(prev, poll, now);
    const accepted: AcceptedPoll = { seat: poll.seat, serial, bootId: poll.bootId, ackCmd: poll.ackCmd, stale: out.stale };
    if (out.stale) {
      if (fresh.next !== state) this.#setFreshness(poll.seat, fresh.next);
      this.#polls.next(accepted);
      return { ok: true, nonce: fresh.next.nonce!, ...accepted };
    }
    const f = fresh.next;
    const o = out.next.snap;
    const next: SeatRecord = f.mode === o.freshness && f.nonce === o.pollNonce && f.pastBootIds === o.pastBootIds ? out.next : { ...out.next, snap: { ...out.next.snap, freshness: f.mode, pollNonce: f.nonce, pastBootIds: f.pastBootIds } };
    const freshnessChanged = f.mode !== prev.snap.freshness || f.nonce !== prev.snap.pollNonce || f.pastBootIds !== prev.snap.pastBootIds;
    this.#records.set(poll.seat, next);
    if (out.stateChange || freshnessChanged) {
      this.#dirty.add(poll.seat);
      this.#churned.delete(poll.seat);
    } else if (!this.#dirty.has(poll.seat)) this.#churned.add(poll.seat);
    for (const ev of out.events) {
      if (ev.type === 'lru.installed') this.#moveSerial(ev.serial, poll.seat, now);
      this.bus.publish(ev);
    }
    if (out.visibleChange) this.#changes.next(next.snap);
    this.#polls.next(accepted);
    return { ok: true, nonce: f.nonce!, ...accepted };
  }

  /**
   * A unit polling from a seat it is not installed at: installed (undefined),
   * or held with the refusal to answer. See docs/protocol.md, "LRU moves".
   */
  #judgeMove(poll: PollRequest, prev: SeatRecord, from: string | null, fromRec: SeatRecord | undefined, wall: number): PollVerdict | undefined {
    const serial = poll.lru.serial;
    const seat = poll.seat;
    const holder = prev.snap.lru?.serial ?? null;
    const holderRecent = holder !== null && (prev.snap.status === 'online' || (prev.snap.lastPollAt !== null && wall - prev.snap.lastPollAt < this.#moveHoldMs));
    const elsewhereOnline = fromRec?.snap.status === 'online';
    this.#moves.prune(wall);
    const claim = this.#moves.get(seat, serial);
    if (claim?.decision?.kind === 'rejected') {
      claim.lastAt = wall;
      return { ok: false, code: 'MOVE_REJECTED', message: `a technician refused unit ${serial} at seat ${seat}`, field: 'seat' };
    }
    if (claim?.decision?.kind !== 'confirmed' && (holderRecent || elsewhereOnline)) {
      const reason = holderRecent ? 'seat-held' : 'installed-elsewhere';
      if (this.#moves.claim({ seat, serial, lru: poll.lru, holder, fromSeat: from, reason }, wall)) {
        this.bus.publish({ type: 'lru.move-pending', seat, at: wall, serial, holder, fromSeat: from, reason });
      }
      const why = holderRecent ? `seat ${seat} has unit ${holder}, heard from within ${this.#moveHoldMs} ms` : `unit ${serial} is installed at seat ${from}, which is online`;
      return { ok: false, code: 'MOVE_PENDING', message: `${why}: the move waits for a technician`, field: 'seat' };
    }
    if (claim) {
      // Confirmed by a technician (already published), or waited out: the seat's unit fell silent for moveHoldMs.
      if (claim.decision === null) this.bus.publish({ type: 'lru.move-confirmed', seat, at: wall, serial, fromSeat: from, by: 'controller' });
      this.#moves.settle(seat, serial);
    }
    return undefined;
  }

  /**
   * A technician confirms that unit `serial` is fitted at `seat`: its next
   * poll from there installs it (until moveDecisionTtlMs). Publishes lru.move-confirmed.
   */
  confirmMove(seat: string, serial: string, by: string): MoveDecision {
    return this.#decide(seat, serial, 'confirmed', by);
  }

  /** A technician refuses unit `serial` at `seat`: its polls from there are answered MOVE_REJECTED (until moveDecisionTtlMs). Publishes lru.move-rejected. */
  rejectMove(seat: string, serial: string, by: string): MoveDecision {
    return this.#decide(seat, serial, 'rejected', by);
  }

  /** Claims waiting for a technician or decided and not yet settled, oldest first. */
  pendingMoves(): ListedMove[] {
    this.#moves.prune(this.#lastWall);
    return this.#moves.all().sort((a, b) => a.firstAt - b.firstAt);
  }

  #decide(seat: string, serial: string, kind: 'confirmed' | 'rejected', by: string): MoveDecision {
    if (!this.#records.has(seat)) return { ok: false, reason: 'unknown-seat' };
    const at = Math.max(this.#lastWall, Date.now());
    const move = this.#moves.decide(seat, serial, kind, by, at);
    if (!move) return { ok: false, reason: 'no-such-claim' };
    if (kind === 'confirmed') this.bus.publish({ type: 'lru.move-confirmed', seat, at, serial, fromSeat: move.fromSeat, by });
    else this.bus.publish({ type: 'lru.move-rejected', seat, at, serial, by });
    return { ok: true, move: { ...move } };
  }

  /** The seat unit `serial` is installed at, or null. */
  #installedAt(serial: string): string | null {
    const at = this.#serialAt.get(serial);
    return at !== undefined && this.#records.get(at)?.snap.lru?.serial === serial ? at : null;
  }

  #setFreshness(seat: string, f: FreshnessState): void {
    const rec = this.#records.get(seat)!;
    this.#records.set(seat, { ...rec, snap: { ...rec.snap, freshness: f.mode, pollNonce: f.nonce, pastBootIds: f.pastBootIds } });
    this.#dirty.add(seat);
  }

  /** Marks seats offline that missed 3 intervals. Called by a timer. */
  tick(now: Now): void {
    this.#lastWall = now.wall;
    for (const [id, rec] of this.#records) {
      const t = checkOffline(rec, now.mono, now.wall, this.pollIntervalMs);
      if (!t) continue;
      this.#records.set(id, t.next);
      this.#dirty.add(id);
      this.bus.publish(t.event);
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

  #moveSerial(serial: string, seat: string, now: Now): void {
    const was = this.#serialAt.get(serial);
    this.#serialAt.set(serial, seat);
    if (!was || was === seat) return;
    const rec = this.#records.get(was);
    if (!rec || rec.snap.lru?.serial !== serial) return;
    // The LRU now answers from another seat: the old seat is empty until something polls from it.
    const next: SeatRecord = { ...rec, snap: { ...rec.snap, lru: null, bootId: null, status: 'offline', freshness: null, pollNonce: null, pastBootIds: [] } };
    this.#records.set(was, next);
    this.#dirty.add(was);
    this.bus.publish({ type: 'lru.removed', seat: was, at: now.wall, serial });
    this.#changes.next(next.snap);
  }

  complete(): void {
    this.#changes.complete();
    this.#polls.complete();
  }
}
