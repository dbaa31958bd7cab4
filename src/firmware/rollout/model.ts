import type { Target } from '../../../protocols/seat-command/types.js';
import type { UpdateReport } from '../../../protocols/seat-poll/types.js';

/**
 * A rollout as it is stored (one JSON document per row) and decided on.
 * Plain data: the decisions in decide.ts are pure functions of it.
 */

/** running: telling seats; paused / halted: following seats already told, telling no more; completed / cancelled: over. */
export type RolloutState = 'running' | 'paused' | 'halted' | 'completed' | 'cancelled';

/**
 * pending: not told yet (or told again after a failure, within `retries`);
 * queued: decided and committed, the command not yet issued (a restart issues it);
 * sent .. rebooting: told, and what the seat last reported;
 * updated / already: on the version (already: it was before we told it);
 * failed: out of attempts; skipped: another model, or no unit known.
 */
export type SeatState =
  | 'pending'
  | 'queued'
  | 'sent'
  | 'downloading'
  | 'verifying'
  | 'flashing'
  | 'rebooting'
  | 'updated'
  | 'already'
  | 'failed'
  | 'skipped';

export const IN_FLIGHT: ReadonlySet<SeatState> = new Set(['queued', 'sent', 'downloading', 'verifying', 'flashing', 'rebooting']);
/** States that hold a download slot: the seat is fetching, or about to. */
export const DOWNLOADING: ReadonlySet<SeatState> = new Set(['queued', 'sent', 'downloading']);
export const SUCCEEDED: ReadonlySet<SeatState> = new Set(['updated', 'already']);
export const SETTLED: ReadonlySet<SeatState> = new Set(['updated', 'already', 'failed', 'skipped']);

export interface ImageRef {
  model: string;
  version: string;
  size: number;
  sha256: string;
  signature: string;
}

export interface RolloutOptions {
  /** Seats in the first group; 0 for none. */
  canary: number;
  batchSize: number;
  /** Seats downloading at once, across groups. */
  maxConcurrent: number;
  /** Share (0..1] of a group's eligible seats that must be on the version before the next group starts. */
  successThreshold: number;
  /** The rollout halts once failures exceed max(seats, floor(percent % of eligible seats)). */
  errorThreshold: { percent: number; seats: number };
  /** From telling a seat to seeing it back on the version. */
  seatTimeoutMs: number;
  /** Automatic re-sends to a seat that failed, before it counts as failed. */
  retries: number;
}

export interface SeatProgress {
  seat: string;
  /** Index into Rollout.groups; -1 for seats never rolled out to (skipped, already). */
  group: number;
  state: SeatState;
  /** Commands sent in this round (a technician's retry starts a new round). */
  attempts: number;
  /** The firmware.update command in force; reports count only once the seat acknowledged it. */
  seq?: number;
  /** The seat's boot when told: a new one with the version is the proof of success. */
  bootId?: string | null;
  /** Monotonic ms when told; rebased to the restart time after a controller restart. */
  startedMono?: number;
  /** Wall ms of the last state change, for display. */
  since: number;
  /** Download progress 0..1 while downloading. */
  progress?: number;
  /** Why it failed, was skipped, or is being retried. */
  error?: string;
  /** The version it ran when the rollout began. */
  from?: string | null;
}

export interface GroupDef {
  kind: 'canary' | 'batch';
  size: number;
}

export interface Rollout {
  id: number;
  image: ImageRef;
  target: Target;
  options: RolloutOptions;
  state: RolloutState;
  /** Why it halted, was cancelled or how it completed; for people. */
  reason?: string;
  /** Why it is not telling seats right now although running (TFTP down, ...). */
  holding?: string;
  groups: GroupDef[];
  /** The group being rolled out; earlier ones met their threshold (or a technician resumed past them). */
  group: number;
  /** Groups a technician resumed past without meeting the threshold. */
  waived: number[];
  /** Failures a technician accepted by resuming a halted rollout: the error threshold counts from here. */
  acceptedFailures: number;
  seats: SeatProgress[];
  by: string;
  onGround: boolean;
  forced: boolean;
  createdAt: number;
  updatedAt: number;
}

/** What a rollout needs to know of one seat, from the registry's last-known snapshot. */
export interface SeatView {
  online: boolean;
  model: string | null;
  firmware: string | null;
  bootId: string | null;
  ackCmd: number;
  update: UpdateReport | null;
}

export interface Now {
  /** Monotonic ms: timeouts. */
  mono: number;
  /** Wall ms: display only. */
  wall: number;
}

export type Effect =
  /** Issue firmware.update to these seats (the service splits them into datagram-sized commands). */
  | { type: 'send'; seats: string[] }
  /** Something a technician should see in the cabin log. */
  | { type: 'note'; level: 'info' | 'warn'; message: string };

export interface Decision {
  rollout: Rollout;
  effects: Effect[];
}
