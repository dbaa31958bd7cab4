import type { FaultSeverity, UpdateState } from '../../protocols/seat-poll/types.js';

/**
 * Everything that happens in the cabin, as one typed stream (Home Assistant's
 * event bus). `at` is wall-clock ms for display; edges a seat reports with
 * `sinceMs` are dated back to when they happened.
 */
export type CabinEvent =
  | { type: 'seat.online'; seat: string; at: number }
  | { type: 'seat.offline'; seat: string; at: number; lastPollAt: number | null }
  | { type: 'seat.rebooted'; seat: string; at: number; bootId: string; previousBootId: string; uptimeMs: number }
  | { type: 'lru.installed'; seat: string; at: number; serial: string; model: string; firmware: string; mac: string; previousSerial: string | null }
  | { type: 'lru.removed'; seat: string; at: number; serial: string }
  | { type: 'lru.move-pending'; seat: string; at: number; serial: string; holder: string | null; fromSeat: string | null; reason: MoveReason }
  | { type: 'lru.move-confirmed'; seat: string; at: number; serial: string; fromSeat: string | null; by: string }
  | { type: 'lru.move-rejected'; seat: string; at: number; serial: string; by: string }
  | { type: 'lru.firmware'; seat: string; at: number; serial: string; from: string; to: string }
  | { type: 'call.pressed'; seat: string; at: number }
  | { type: 'call.released'; seat: string; at: number }
  | { type: 'input.changed'; seat: string; at: number; input: string; on: boolean }
  | { type: 'fault.raised'; seat: string; at: number; code: string; severity: FaultSeverity; source: FaultSource; detail?: string }
  | { type: 'fault.cleared'; seat: string; at: number; code: string; source: FaultSource }
  | { type: 'update.changed'; seat: string; at: number; state: UpdateState; version?: string; error?: string }
  | { type: 'crew.action'; seat: string | null; at: number; action: string; by: string; detail?: string }
  | { type: 'command.sent'; seat: null; at: number; seq: number; cmd: string; args: unknown; target: unknown; by: string }
  | { type: 'command.delivered'; seat: null; at: number; seq: number; cmd: string; seats: number; elapsedMs: number }
  | { type: 'command.incomplete'; seat: null; at: number; seq: number; cmd: string; pending: string[]; offline: string[] }
  | { type: 'pa.started'; seat: null; at: number; source: string }
  | { type: 'pa.stopped'; seat: null; at: number; source: string }
  | { type: 'system'; seat: null; at: number; message: string; detail?: unknown };

export type CabinEventType = CabinEvent['type'];

/**
 * Why a unit's claim of a seat is held (docs/protocol.md, "LRU moves"): the seat's own unit
 * polled within moveHoldMs (`seat-held`), or the claiming unit is installed at another seat
 * that is online (`installed-elsewhere`).
 */
export type MoveReason = 'seat-held' | 'installed-elsewhere';

/** Faults the seat reports itself, or that the controller derives (e.g. INPUT_FLAPPING). */
export type FaultSource = 'seat' | 'controller';
