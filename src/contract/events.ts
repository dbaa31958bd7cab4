import type { FaultSeverity, UpdateState } from '../../protocols/seat-poll/types.js';

/** Why a unit's claim on a seat is held: the seat's unit is (recently) online, or this unit is installed at another seat that is. */
export type MoveReason = 'seat-held' | 'installed-elsewhere';

/** Faults the seat reports itself, or that the controller derives (e.g. INPUT_FLAPPING). */
export type FaultSource = 'seat' | 'controller';

/**
 * Every event type, by name, with its fields (Home Assistant's event bus).
 * Open: a feature adds its own types from its own folder by declaration
 * merging, the way fastify's types are extended:
 *
 *   declare module '../contract/events.js' {
 *     interface CabinEventMap { 'channel.onAir': { seat: null; at: number; channel: string } }
 *   }
 *
 * and says at runtime whether each is stored or live only (`Feature.events`).
 * `at` is wall-clock ms for display; edges a seat reports with `sinceMs` are
 * dated back to when they happened. `seat` is null for cabin-wide events.
 */
export interface CabinEventMap {
  'seat.online': { seat: string; at: number };
  'seat.offline': { seat: string; at: number; lastPollAt: number | null };
  'seat.rebooted': { seat: string; at: number; bootId: string; previousBootId: string; uptimeMs: number };
  'lru.installed': { seat: string; at: number; serial: string; model: string; firmware: string; mac: string; previousSerial: string | null };
  'lru.removed': { seat: string; at: number; serial: string };
  /** A unit claims a seat another unit holds (or it is installed elsewhere): held until a technician decides (docs/protocol.md). */
  'lru.move-pending': { seat: string; at: number; serial: string; holder: string | null; fromSeat: string | null; reason: MoveReason };
  'lru.move-confirmed': { seat: string; at: number; serial: string; fromSeat: string | null; by: string };
  'lru.move-rejected': { seat: string; at: number; serial: string; by: string };
  'lru.firmware': { seat: string; at: number; serial: string; from: string; to: string };
  'call.pressed': { seat: string; at: number };
  'call.released': { seat: string; at: number };
  'input.changed': { seat: string; at: number; input: string; on: boolean };
  'fault.raised': { seat: string; at: number; code: string; severity: FaultSeverity; source: FaultSource; detail?: string };
  'fault.cleared': { seat: string; at: number; code: string; source: FaultSource };
  'update.changed': { seat: string; at: number; state: UpdateState; version?: string; error?: string };
  /** `actor`: the person and the role they acted in, when their PIN is their own (absent in older records and for shared PINs). */
  'crew.action': { seat: string | null; at: number; action: string; by: string; actor?: { name: string; role: string }; detail?: string };
  system: { seat: null; at: number; message: string; detail?: unknown };
}

export type CabinEventType = keyof CabinEventMap;

/** One event of any type: `{ type, ...fields }`. Narrow it with `ev.type === '...'`. */
export type CabinEvent = { [K in CabinEventType]: { type: K } & CabinEventMap[K] }[CabinEventType];

/** An event of one type. */
export type EventOf<K extends CabinEventType> = Extract<CabinEvent, { type: K }>;

/**
 * Stored events go to the history (write-behind, pruned to the newest
 * 200,000) and the audit trail; live-only ones reach live views (the panel,
 * the console's `events --follow`) and are gone after.
 */
export type Persistence = 'stored' | 'live';

/** What a feature says of each event type it publishes. */
export type EventDeclarations = Partial<Record<CabinEventType, Persistence>>;

/** The spine's own types, all stored. */
export const CORE_EVENTS: EventDeclarations = {
  'seat.online': 'stored',
  'seat.offline': 'stored',
  'seat.rebooted': 'stored',
  'lru.installed': 'stored',
  'lru.removed': 'stored',
  'lru.move-pending': 'stored',
  'lru.move-confirmed': 'stored',
  'lru.move-rejected': 'stored',
  'lru.firmware': 'stored',
  'call.pressed': 'stored',
  'call.released': 'stored',
  'input.changed': 'stored',
  'fault.raised': 'stored',
  'fault.cleared': 'stored',
  'update.changed': 'stored',
  'crew.action': 'stored',
  system: 'stored',
};
