/**
 * What needs a crew member's attention, as the panel lists it. Plain JSON: the
 * API sends it, the store keeps it, the page imports these types.
 */
/**
 * `move`: a unit claims a seat another unit holds, held until a technician
 * confirms or rejects it (docs/protocol.md, LRU moves); `code` is the claiming
 * unit's serial. `rollout`: a firmware rollout halted; `usb`: something plugged into the
 * head-end's USB was refused (a keyboard, a network adapter, a drive that is
 * not a signed content drive); `system`: any other entity that asks for a
 * person (its `crewAlert` attribute: a discrete flapping, an overhead monitor
 * not answering, the clock off from avionics UTC). These are cabin systems,
 * not seats: `seat` is ''.
 */
export type AlertKind = 'call' | 'offline' | 'fault' | 'flapping' | 'move' | 'rollout' | 'usb' | 'system';

/** urgent: chime and flash (a passenger is waiting); high: flash; normal: counted. */
export type AlertPriority = 'urgent' | 'high' | 'normal';

export interface Alert {
  /** Stable and derived from what raised it, e.g. "call-23C-1763800000123": replaying an event cannot duplicate it. */
  id: string;
  kind: AlertKind;
  seat: string;
  priority: AlertPriority;
  /** Wall ms when the condition began (a call is dated back to the press). */
  since: number;
  /** Fault code, the flapping input's name, the claiming unit's serial, or the rollout's or the refused device's entity id. */
  code?: string;
  /** What a person reads about it (who claims the seat, why the rollout halted, what was plugged in and refused). */
  text?: string;
  ackedAt: number | null;
  ackedBy: string | null;
}

/** How the book changed; the service persists and broadcasts each one. */
export type AlertChange = { op: 'open'; alert: Alert } | { op: 'ack'; alert: Alert } | { op: 'close'; alert: Alert; reason: CloseReason; by?: string };

/** cleared: by crew; resolved: the condition went away at the seat. */
export type CloseReason = 'cleared' | 'resolved';

/** Open alerts by id. */
export type AlertBook = ReadonlyMap<string, Alert>;

const PRIORITY_ORDER: Record<AlertPriority, number> = { urgent: 0, high: 1, normal: 2 };

/** Unacknowledged first, then by priority, then the longest waiting. */
export function alertOrder(a: Alert, b: Alert): number {
  return Number(a.ackedAt !== null) - Number(b.ackedAt !== null) || PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] || a.since - b.since || a.id.localeCompare(b.id);
}

/** Alert ids must match the ack/clear routes' pattern: entity ids and serials may hold characters it does not allow. */
export const idPart = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
