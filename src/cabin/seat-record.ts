import type { ContentReport, FaultSeverity, LruInfo, MediaReport, UpdateReport } from '../../protocols/seat-poll/types.js';
import type { FaultSource } from '../contract/events.js';
import type { FreshnessMode, FreshnessState } from './freshness.js';

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
  /** Poll v1.2: the seat's content library as it last reported it (absent or null: never reported). */
  content?: ContentReport | null;
  /**
   * How the installed unit's polls are known to be fresh (docs/protocol.md, poll v1.1):
   * `nonce` (a v1.1 seat), `legacy` (a v1 seat: only superseded bootIds are refused), null before its first poll.
   */
  freshness: FreshnessMode | null;
  /** The nonce the installed unit's polls must carry (its current boot's). */
  pollNonce: string | null;
  /** The unit's superseded bootIds, oldest first: a poll of one of them is a replay. */
  pastBootIds: readonly string[];
}

export function freshnessOf(snap: SeatSnapshot): FreshnessState {
  return { mode: snap.freshness, nonce: snap.pollNonce, pastBootIds: snap.pastBootIds };
}

/** In-memory record: the snapshot plus what only matters while running. */
export interface SeatRecord {
  snap: SeatSnapshot;
  /** Monotonic ms of the last accepted poll; -Infinity when never heard since start. */
  lastPollMono: number;
  /** Monotonic times of recent edges per input, for flap detection. A Map: input names are the seat's to choose. */
  edges: ReadonlyMap<string, readonly number[]>;
}

/** No edges yet (shared: a record's edges are replaced, never mutated). */
export const NO_EDGES: ReadonlyMap<string, readonly number[]> = new Map();

/**
 * Input names are chosen by the seat and may be any name the contract's
 * pattern allows, such as `constructor` or `toString`: as keys of a plain
 * object they would find Object.prototype's members. Inputs are kept in
 * objects without a prototype, and read only through own properties.
 */
export function inputMap(): Record<string, InputSnapshot> {
  return Object.create(null) as Record<string, InputSnapshot>;
}

/** `obj[key]` if it is obj's own property, else undefined (never an inherited member). */
export function ownValue<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A copy of inputs read from JSON (the store), without a prototype. */
function ownInputs(inputs: Record<string, InputSnapshot> | undefined): Record<string, InputSnapshot> {
  const out = inputMap();
  if (inputs && typeof inputs === 'object') for (const [k, v] of Object.entries(inputs)) out[k] = v;
  return out;
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
    inputs: inputMap(),
    faults: [],
    update: null,
    freshness: null,
    pollNonce: null,
    pastBootIds: [],
  };
}

export function recordFromSnapshot(snap: SeatSnapshot): SeatRecord {
  // After a restart nothing has been heard yet: offline until the seat polls again.
  // Snapshots written before poll v1.1 have no freshness fields: the unit is then met as on a first contact.
  const freshness = {
    freshness: snap.freshness === 'nonce' || snap.freshness === 'legacy' ? snap.freshness : null,
    pollNonce: typeof snap.pollNonce === 'string' ? snap.pollNonce : null,
    pastBootIds: Array.isArray(snap.pastBootIds) ? snap.pastBootIds.filter((b): b is string => typeof b === 'string') : [],
  };
  return { snap: { ...snap, ...freshness, status: 'offline', inputs: ownInputs(snap.inputs) }, lastPollMono: Number.NEGATIVE_INFINITY, edges: NO_EDGES };
}

/**
 * Whether two snapshots of a seat hold the same last-known state, ignoring
 * what changes on every poll: lastPollAt, seq, uptimeMs, skewMs,
 * media.positionMs and update.progress. The store writes a seat at the next
 * flush when this is false, and the churn only now and then (see WriteBehind).
 */
export function sameLastKnownState(a: SeatSnapshot, b: SeatSnapshot): boolean {
  if (a === b) return true;
  if (a.status !== b.status || a.zone !== b.zone || a.bootId !== b.bootId || a.ackCmd !== b.ackCmd) return false;
  if (a.freshness !== b.freshness || a.pollNonce !== b.pollNonce || a.pastBootIds !== b.pastBootIds) return false;
  if (a.lru !== b.lru && (a.lru === null || b.lru === null || !sameLruInfo(a.lru, b.lru))) return false;
  if (a.media !== b.media && (a.media === null || b.media === null || a.media.state !== b.media.state || (a.media.item ?? null) !== (b.media.item ?? null) || a.media.volume !== b.media.volume)) {
    return false;
  }
  if ((a.content ?? null) !== (b.content ?? null) && (a.content?.state !== b.content?.state || a.content?.version !== b.content?.version || a.content?.target !== b.content?.target || a.content?.error !== b.content?.error)) return false;
  if (a.update !== b.update && (a.update === null || b.update === null || a.update.state !== b.update.state || a.update.version !== b.update.version || a.update.error !== b.update.error)) {
    return false;
  }
  return sameInputs(a.inputs, b.inputs) && sameFaults(a.faults, b.faults);
}

export function sameLruInfo(a: LruInfo, b: LruInfo): boolean {
  return a === b || (a.serial === b.serial && a.model === b.model && a.firmware === b.firmware && a.mac === b.mac);
}

function sameInputs(a: Record<string, InputSnapshot>, b: Record<string, InputSnapshot>): boolean {
  if (a === b) return true;
  let n = 0;
  for (const name of Object.keys(a)) {
    const x = a[name]!;
    const y = ownValue(b, name);
    if (y === undefined || (x !== y && (x.on !== y.on || x.since !== y.since))) return false;
    n++;
  }
  n -= Object.keys(b).length;
  return n === 0;
}

function sameFaults(a: FaultSnapshot[], b: FaultSnapshot[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (x.code !== y.code || x.severity !== y.severity || x.since !== y.since || x.source !== y.source || x.detail !== y.detail)) return false;
  }
  return true;
}
