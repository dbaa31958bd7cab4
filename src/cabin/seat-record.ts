import type { FaultSeverity, LruInfo, MediaReport, UpdateReport } from '../../protocols/seat-poll/types.js';
import type { FaultSource } from './events.js';

export type SeatStatus = 'online' | 'offline';

export interface InputSnapshot {
  on: boolean;
  /** Wall ms when it last changed (dated back with the seat's sinceMs). */
  since: number;
}

export interface FaultSnapshot {
  code: string;
  severity: FaultSeverity;
  since: number;
  source: FaultSource;
  detail?: string;
}

/** A seat's last-known state: what the API shows and the store keeps. Plain JSON. */
export interface SeatSnapshot {
  seat: string;
  zone: string;
  status: SeatStatus;
  lastPollAt: number | null;
  lru: LruInfo | null;
  bootId: string | null;
  seq: number;
  ackCmd: number;
  uptimeMs: number;
  /** Seat clock minus controller clock at receipt, ms (positive: seat runs ahead). */
  skewMs: number | null;
  media: MediaReport | null;
  inputs: Record<string, InputSnapshot>;
  faults: FaultSnapshot[];
  update: UpdateReport | null;
}

/** In-memory record: the snapshot plus what only matters while running. */
export interface SeatRecord {
  snap: SeatSnapshot;
  /** Monotonic ms of the last accepted poll; -Infinity when never heard since start. */
  lastPollMono: number;
  /** Monotonic times of recent edges per input, for flap detection. */
  edges: Record<string, number[]>;
}

export function emptySnapshot(seat: string, zone: string): SeatSnapshot {
  return {
    seat,
    zone,
    status: 'offline',
    lastPollAt: null,
    lru: null,
    bootId: null,
    seq: 0,
    ackCmd: 0,
    uptimeMs: 0,
    skewMs: null,
    media: null,
    inputs: {},
    faults: [],
    update: null,
  };
}

export function recordFromSnapshot(snap: SeatSnapshot): SeatRecord {
  // After a restart nothing has been heard yet: offline until the seat polls again.
  return { snap: { ...snap, status: 'offline' }, lastPollMono: Number.NEGATIVE_INFINITY, edges: {} };
}
