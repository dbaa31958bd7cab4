import type { CabinEvent } from '../contract/events.js';
import { idPart, type Alert, type AlertBook } from './alert.js';
import type { Reduced } from './book.js';

type MovePending = Extract<CabinEvent, { type: 'lru.move-pending' }>;

/** The claim, as registry.pendingMoves() and lru.move-pending both carry it. */
export interface MoveClaim {
  seat: string;
  serial: string;
  holder: string | null;
  fromSeat: string | null;
  reason: MovePending['reason'];
}

/** What the crew reads: which unit claims the seat, why it is held, and who must act. */
export function moveText(m: MoveClaim): string {
  const elsewhere = m.fromSeat ? `${m.serial} is installed at seat ${m.fromSeat}` : undefined;
  const why =
    m.reason === 'seat-held' && m.holder
      ? `it is held by ${m.holder}.${elsewhere ? ` ${elsewhere}.` : ''}`
      : elsewhere
        ? `${elsewhere}, which is online.`
        : 'its own unit is still answering.';
  return `Seat ${m.seat}: unit ${m.serial} claims it; ${why} A technician must confirm or reject.`;
}

/** Matches the move alert of one claim. */
export const moveSettled =
  (seat: string, serial: string) =>
  (a: Alert): boolean =>
    a.kind === 'move' && a.seat === seat && a.code === serial;

/** A held claim opens one alert for the technician; the registry publishes lru.move-pending once per claim, a replay changes nothing. */
export function moveAlert(book: AlertBook, ev: MovePending): Reduced {
  for (const a of book.values()) if (moveSettled(ev.seat, ev.serial)(a)) return { book, changes: [] };
  const alert: Alert = {
    id: `move-${idPart(ev.seat)}-${idPart(ev.serial)}-${ev.at}`,
    kind: 'move',
    seat: ev.seat,
    priority: 'high',
    since: ev.at,
    code: ev.serial,
    text: moveText(ev),
    ackedAt: null,
    ackedBy: null,
  };
  return { book: new Map(book).set(alert.id, alert), changes: [{ op: 'open', alert }] };
}

/**
 * A claim nobody repeated (the unit stopped polling from that seat) is
 * forgotten by the registry without an event, and a restart forgets every
 * claim: a move alert whose claim no longer waits closes. `waiting` are the
 * registry's undecided claims. Pure, like reduceAlerts.
 */
export function reduceMoveExpiry(book: AlertBook, waiting: readonly Pick<MoveClaim, 'seat' | 'serial'>[]): Reduced {
  const live = new Set(waiting.map((m) => `${m.seat}\u0000${m.serial}`));
  const gone = [...book.values()].filter((a) => a.kind === 'move' && !live.has(`${a.seat}\u0000${a.code ?? ''}`));
  if (gone.length === 0) return { book, changes: [] };
  const next = new Map(book);
  for (const a of gone) next.delete(a.id);
  return { book: next, changes: gone.map((alert) => ({ op: 'close', alert, reason: 'resolved' })) };
}
