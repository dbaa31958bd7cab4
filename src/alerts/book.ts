import type { EntityChange } from '../contract/entities.js';
import type { CabinEvent } from '../contract/events.js';
import type { FaultSeverity } from '../../protocols/seat-poll/types.js';
import { idPart, type Alert, type AlertBook, type AlertChange, type AlertKind, type AlertPriority } from './alert.js';
import { moveAlert, moveSettled } from './move-alert.js';

/** Crew actions on alerts travel as cabin events, so history and every panel see them. */
export const ACK_ACTION = 'alert.ack';
export const CLEAR_ACTION = 'alert.clear';

const FLAPPING = 'INPUT_FLAPPING';

/** An info fault is for the technician's seat view, not worth a crew alert. */
const FAULT_PRIORITY: Record<FaultSeverity, AlertPriority | null> = { info: null, warn: 'normal', error: 'high', critical: 'high' };

export interface Reduced {
  book: AlertBook;
  changes: AlertChange[];
}

const same = (book: AlertBook): Reduced => ({ book, changes: [] });

function open(book: AlertBook, kind: AlertKind, seat: string, since: number, priority: AlertPriority, code?: string): Reduced {
  const id = [kind, seat, code, since].filter((p) => p !== undefined).join('-');
  // One open alert per condition: a repeated raise (replay, duplicate event) changes nothing.
  for (const a of book.values()) if (a.kind === kind && a.seat === seat && a.code === code) return same(book);
  const alert: Alert = { id, kind, seat, priority, since, ...(code !== undefined ? { code } : {}), ackedAt: null, ackedBy: null };
  return { book: new Map(book).set(id, alert), changes: [{ op: 'open', alert }] };
}

function resolve(book: AlertBook, match: (a: Alert) => boolean): Reduced {
  const gone = [...book.values()].filter(match);
  if (gone.length === 0) return same(book);
  const next = new Map(book);
  for (const a of gone) next.delete(a.id);
  return { book: next, changes: gone.map((alert) => ({ op: 'close', alert, reason: 'resolved' })) };
}

/**
 * The alert book's decision for one cabin event: pure, idempotent (a replayed
 * event changes nothing), and the only place alerts open or close.
 */
export function reduceAlerts(book: AlertBook, ev: CabinEvent): Reduced {
  switch (ev.type) {
    case 'call.pressed':
      return open(book, 'call', ev.seat, ev.at, 'urgent');
    case 'call.released':
    // A reboot or a new unit puts the call light out: the passenger is no longer waiting on this press.
    case 'seat.rebooted':
    case 'lru.installed':
      return resolve(book, (a) => a.kind === 'call' && a.seat === ev.seat);
    case 'seat.offline':
      return open(book, 'offline', ev.seat, ev.at, 'normal');
    case 'seat.online':
      return resolve(book, (a) => a.kind === 'offline' && a.seat === ev.seat);
    case 'fault.raised': {
      if (ev.code === FLAPPING) {
        const input = ev.detail ?? 'input';
        // A chattering call button rang before it was known to be broken: that call is noise, the fault says why.
        const noise = input === 'call' ? resolve(book, (a) => a.kind === 'call' && a.seat === ev.seat) : same(book);
        const opened = open(noise.book, 'flapping', ev.seat, ev.at, 'normal', input);
        return { book: opened.book, changes: [...noise.changes, ...opened.changes] };
      }
      const priority = FAULT_PRIORITY[ev.severity];
      // A severity change re-raises the code: the old alert gives way to one of the new priority.
      const stale = resolve(book, (a) => a.kind === 'fault' && a.seat === ev.seat && a.code === ev.code && a.priority !== priority);
      if (!priority) return stale;
      const opened = open(stale.book, 'fault', ev.seat, ev.at, priority, ev.code);
      return { book: opened.book, changes: [...stale.changes, ...opened.changes] };
    }
    case 'fault.cleared':
      return resolve(book, (a) => a.seat === ev.seat && (ev.code === FLAPPING ? a.kind === 'flapping' : a.kind === 'fault' && a.code === ev.code));
    case 'lru.move-pending':
      return moveAlert(book, ev);
    // A technician decided (or the seat's unit fell silent and the controller confirmed): nothing waits any more.
    case 'lru.move-confirmed':
    case 'lru.move-rejected':
      return resolve(book, moveSettled(ev.seat, ev.serial));
    case 'crew.action':
      return crewAction(book, ev);
    default:
      return same(book);
  }
}

function crewAction(book: AlertBook, ev: Extract<CabinEvent, { type: 'crew.action' }>): Reduced {
  const a = ev.detail === undefined ? undefined : book.get(ev.detail);
  if (!a) return same(book);
  if (ev.action === ACK_ACTION) {
    // A refused USB device asks nothing more of the crew once seen: acknowledging it clears it.
    if (a.kind === 'usb') return closeByCrew(book, a, ev.by);
    if (a.ackedAt !== null) return same(book);
    const alert: Alert = { ...a, ackedAt: ev.at, ackedBy: ev.by };
    return { book: new Map(book).set(a.id, alert), changes: [{ op: 'ack', alert }] };
  }
  // A held move is not the crew's to dismiss: only a technician's decision (or the claim expiring) ends it.
  if (ev.action === CLEAR_ACTION && a.kind !== 'move') return closeByCrew(book, a, ev.by);
  return same(book);
}

function closeByCrew(book: AlertBook, a: Alert, by: string): Reduced {
  const next = new Map(book);
  next.delete(a.id);
  return { book: next, changes: [{ op: 'close', alert: a, reason: 'cleared', by }] };
}

/**
 * A halted firmware rollout needs a technician: it opens an alert until the
 * rollout runs again, is cancelled or goes away. A refused USB device opens
 * one too (driveAlert). Pure, like reduceAlerts; one alert per rollout or
 * device however often its entity is written.
 */
export function reduceEntityAlerts(book: AlertBook, change: EntityChange): Reduced {
  const id = change.type === 'removed' ? change.id : change.entity.id;
  const kind = change.type === 'removed' ? change.kind : change.entity.kind;
  if (kind === 'drive') return driveAlert(book, change, id);
  if (kind !== 'rollout') return systemAlert(book, change, id);
  const open_ = [...book.values()].find((a) => a.kind === 'rollout' && a.code === id);
  const halted = change.type === 'set' && change.entity.state === 'halted';
  if (!halted) return open_ ? resolve(book, (a) => a === open_) : same(book);
  if (open_) return same(book);
  const e = change.entity;
  const reason = typeof e.attributes.reason === 'string' ? e.attributes.reason : undefined;
  const alert: Alert = {
    id: `rollout-${idPart(id)}-${e.changedAt}`,
    kind: 'rollout',
    seat: '',
    priority: 'high',
    since: e.changedAt,
    code: id,
    text: `${e.name ?? id} halted${reason ? `: ${reason}` : ''}`,
    ackedAt: null,
    ackedBy: null,
  };
  return { book: new Map(book).set(alert.id, alert), changes: [{ op: 'open', alert }] };
}

/** Whole devices that are not drives at all (a keyboard, a network adapter): someone may be tampering. */
const DEVICE_CODES = new Set(['not-mass-storage', 'optical']);

/**
 * Something plugged into the head-end and refused (drive entity in state
 * `refused`): one alert per device (entity id) until it is removed, plugged in
 * again and accepted, or acknowledged. A refusal restored from before a
 * restart is not trusted (the device may have gone meanwhile): it closes the
 * alert, and the content feature's enumeration at start raises it again if the
 * device is still there.
 */
function driveAlert(book: AlertBook, change: EntityChange, id: string): Reduced {
  const open_ = [...book.values()].find((a) => a.kind === 'usb' && a.code === id);
  const e = change.type === 'set' ? change.entity : undefined;
  const refused = e !== undefined && e.state === 'refused' && e.attributes.restored !== true;
  if (!refused) return open_ ? resolve(book, (a) => a === open_) : same(book);
  if (open_) return same(book);
  const error = e.attributes.error as { code?: unknown } | null | undefined;
  const code = typeof error?.code === 'string' ? error.code : '';
  const text = typeof e.attributes.alert === 'string' ? e.attributes.alert : `${e.name ?? id} was refused${typeof e.attributes.message === 'string' ? `: ${e.attributes.message}` : ''}`;
  const alert: Alert = {
    id: `usb-${idPart(id)}-${e.changedAt}`,
    kind: 'usb',
    seat: '',
    priority: DEVICE_CODES.has(code) ? 'high' : 'normal',
    since: e.changedAt,
    code: id,
    text,
    ackedAt: null,
    ackedBy: null,
  };
  return { book: new Map(book).set(alert.id, alert), changes: [{ op: 'open', alert }] };
}

/**
 * Any other entity that sets `crewAlert` (contract/entities.ts): one `system`
 * alert per episode, however often the entity is written, resolved when the
 * attribute goes or the entity is removed. A state restored from before a
 * restart changes nothing until its owner sets it again.
 */
function systemAlert(book: AlertBook, change: EntityChange, id: string): Reduced {
  const open_ = [...book.values()].find((a) => a.kind === 'system' && a.code === id);
  const e = change.type === 'set' ? change.entity : undefined;
  if (e?.attributes.restored === true) return same(book);
  const text = typeof e?.attributes.crewAlert === 'string' && e.attributes.crewAlert !== '' ? e.attributes.crewAlert : undefined;
  if (text === undefined || e === undefined) return open_ ? resolve(book, (a) => a === open_) : same(book);
  if (open_) return same(book);
  const alert: Alert = {
    id: `system-${idPart(id)}-${e.updatedAt}`,
    kind: 'system',
    seat: '',
    priority: e.attributes.crewAlertPriority === 'high' ? 'high' : 'normal',
    since: e.updatedAt,
    code: id,
    text,
    ackedAt: null,
    ackedBy: null,
  };
  return { book: new Map(book).set(alert.id, alert), changes: [{ op: 'open', alert }] };
}
