import type { ContentReport, MediaReport, PollRequest, UpdateReport } from '../../protocols/seat-poll/types.js';
import type { CabinEvent } from '../contract/events.js';
import { edgesSeen, isFlapping, recordEdges } from './flapping.js';
import { inputMap, ownValue, sameLastKnownState, sameLruInfo, type FaultSnapshot, type InputSnapshot, type SeatRecord } from './seat-record.js';

export interface Now {
  /** Monotonic ms (performance.now()): gaps and windows. */
  mono: number;
  /** Wall-clock ms: display and dating. */
  wall: number;
}

export interface PollOutcome {
  next: SeatRecord;
  events: CabinEvent[];
  /** A late duplicate from the same boot: answered, but not applied. */
  stale: boolean;
  /** Something a person watching the cabin would see changed (status, media, call, faults, LRU, update). */
  visibleChange: boolean;
  /**
   * The seat's last-known state changed (anything but per-poll churn such as
   * uptime, seq, clock skew, media position, update progress): the store
   * writes it at its next flush. See sameLastKnownState.
   */
  stateChange: boolean;
}

const FLAPPING = 'INPUT_FLAPPING';

/**
 * The registry's decision for one accepted poll: a pure function of the seat's
 * previous record, the poll and the time. Every event it returns is true of the
 * cabin; nothing here touches a socket, a timer or the store.
 */
export function applyPoll(prev: SeatRecord, poll: PollRequest, now: Now): PollOutcome {
  const p = prev.snap;
  const events: CabinEvent[] = [];
  const at = now.wall;
  const seat = p.seat;
  const sameLru = p.lru?.serial === poll.lru.serial;
  const sameBoot = sameLru && p.bootId === poll.bootId;

  if (sameBoot && poll.seq <= p.seq) return { next: prev, events, stale: true, visibleChange: false, stateChange: false };

  if (p.status !== 'online') events.push({ type: 'seat.online', seat, at });

  if (!sameLru) {
    if (p.lru) events.push({ type: 'lru.removed', seat, at, serial: p.lru.serial });
    events.push({ type: 'lru.installed', seat, at, serial: poll.lru.serial, model: poll.lru.model, firmware: poll.lru.firmware, mac: poll.lru.mac, previousSerial: p.lru?.serial ?? null });
  } else {
    if (!sameBoot && p.bootId !== null) {
      events.push({ type: 'seat.rebooted', seat, at, bootId: poll.bootId, previousBootId: p.bootId, uptimeMs: poll.uptimeMs });
    }
    if (p.lru && p.lru.firmware !== poll.lru.firmware) {
      events.push({ type: 'lru.firmware', seat, at, serial: poll.lru.serial, from: p.lru.firmware, to: poll.lru.firmware });
    }
  }

  // A new LRU or boot starts its inputs afresh: its first report proves no edge.
  const gapMs = now.mono - prev.lastPollMono;
  // Input names are the seat's (any name the pattern allows, `constructor` included): a
  // prototype-free object and a Map, read through own properties only (see inputMap).
  let inputs: Record<string, InputSnapshot> = inputMap();
  let edges: ReadonlyMap<string, readonly number[]> = new Map();
  const newEdges = edges as Map<string, readonly number[]>;
  const flappingNow = new Set<string>();
  // Whether inputs and edges came out exactly as before (then the previous objects are kept; see below).
  let unchanged = sameBoot;
  let count = 0;
  for (const [name, rep] of Object.entries(poll.inputs)) {
    count++;
    const before = sameBoot ? ownValue(p.inputs, name) : undefined;
    const seen = Number.isFinite(gapMs) ? edgesSeen(before?.on, rep.on, rep.sinceMs, gapMs) : before && before.on !== rep.on ? 1 : 0;
    const edgesBefore = sameBoot ? prev.edges.get(name) : undefined;
    const edgesNow = recordEdges(edgesBefore ?? [], seen, now.mono);
    newEdges.set(name, edgesNow);
    if (isFlapping(edgesNow)) flappingNow.add(name);
    const changed = before === undefined ? rep.on : before.on !== rep.on;
    const input = changed || !before ? { on: rep.on, since: at - rep.sinceMs } : before;
    inputs[name] = input;
    unchanged &&= input === before && edgesNow === edgesBefore;
    // A flapping input's edges are noise: the fault speaks for it instead.
    if (changed && !flappingNow.has(name) && !wasFlapping(p.faults, name)) {
      if (name === 'call') events.push({ type: rep.on ? 'call.pressed' : 'call.released', seat, at: at - rep.sinceMs });
      else events.push({ type: 'input.changed', seat, at: at - rep.sinceMs, input: name, on: rep.on });
    }
  }

  if (unchanged && count === Object.keys(p.inputs).length && count === prev.edges.size) {
    inputs = p.inputs;
    edges = prev.edges;
  }

  const faults = nextFaults(p.faults, poll, flappingNow, edges, at, seat, events);

  const prevUpdate = p.update;
  if (!prevUpdate || prevUpdate.state !== poll.update.state || prevUpdate.version !== poll.update.version) {
    if (prevUpdate || poll.update.state !== 'idle') {
      events.push({ type: 'update.changed', seat, at, state: poll.update.state, ...(poll.update.version ? { version: poll.update.version } : {}), ...(poll.update.error ? { error: poll.update.error } : {}) });
    }
  }

  const next: SeatRecord = {
    lastPollMono: now.mono,
    edges,
    snap: {
      seat,
      zone: p.zone,
      status: 'online',
      lastPollAt: at,
      // Parts equal to the previous snapshot's are kept rather than replaced by the poll's: a seat's
      // record lives about a second, long enough to be copied by the young-generation GC, so the
      // fewer new objects each poll keeps alive, the shorter the collector's pauses at thousands of seats.
      lru: p.lru !== null && sameLruInfo(p.lru, poll.lru) ? p.lru : poll.lru,
      bootId: poll.bootId,
      seq: poll.seq,
      ackCmd: poll.ackCmd,
      uptimeMs: poll.uptimeMs,
      skewMs: poll.clockAt - at,
      media: p.media !== null && equalMedia(p.media, poll.media) ? p.media : poll.media,
      inputs,
      faults,
      update: prevUpdate !== null && equalUpdate(prevUpdate, poll.update) ? prevUpdate : poll.update,
      content: poll.content === undefined ? (p.content ?? null) : p.content && equalContent(p.content, poll.content) ? p.content : poll.content,
      // The registry judges freshness for the unit (which may come from another seat) and sets these.
      freshness: p.freshness,
      pollNonce: p.pollNonce,
      pastBootIds: p.pastBootIds,
    },
  };
  const visibleChange =
    events.length > 0 ||
    p.media?.state !== poll.media.state ||
    p.media?.item !== poll.media.item ||
    p.update?.progress !== poll.update.progress ||
    (poll.content !== undefined && (p.content?.state !== poll.content.state || p.content?.bytesDone !== poll.content.bytesDone));
  const stateChange = events.length > 0 || !sameLastKnownState(p, next.snap);
  return { next, events, stale: false, visibleChange, stateChange };
}

function equalMedia(a: MediaReport, b: MediaReport): boolean {
  return a.state === b.state && a.item === b.item && a.positionMs === b.positionMs && a.volume === b.volume;
}

function equalUpdate(a: UpdateReport, b: UpdateReport): boolean {
  return a.state === b.state && a.version === b.version && a.progress === b.progress && a.error === b.error;
}

function equalContent(a: ContentReport, b: ContentReport): boolean {
  return a.state === b.state && a.version === b.version && a.target === b.target && a.filesDone === b.filesDone && a.bytesDone === b.bytesDone && a.filesTotal === b.filesTotal && a.bytesTotal === b.bytesTotal && a.error === b.error;
}

function wasFlapping(faults: FaultSnapshot[], input: string): boolean {
  return faults.some((f) => f.code === FLAPPING && f.detail === input);
}

/** Seat-reported faults replace the previous set; controller-derived ones (flapping) are kept by their own rule. */
function nextFaults(
  prev: FaultSnapshot[],
  poll: PollRequest,
  flappingNow: Set<string>,
  edges: ReadonlyMap<string, readonly number[]>,
  at: number,
  seat: string,
  events: CabinEvent[],
): FaultSnapshot[] {
  // The usual poll: no faults before, none now. Keeping the same array also tells sameLastKnownState nothing changed.
  if (prev.length === 0 && poll.faults.length === 0 && flappingNow.size === 0) return prev;
  const out: FaultSnapshot[] = [];
  const prevSeat = new Map(prev.filter((f) => f.source === 'seat').map((f) => [f.code, f]));
  for (const f of poll.faults) {
    const before = prevSeat.get(f.code);
    if (before && before.severity === f.severity) {
      out.push(before);
    } else {
      const snap: FaultSnapshot = { code: f.code, severity: f.severity, since: at - f.sinceMs, source: 'seat' };
      out.push(snap);
      events.push({ type: 'fault.raised', seat, at: snap.since, code: f.code, severity: f.severity, source: 'seat' });
    }
    prevSeat.delete(f.code);
  }
  for (const gone of prevSeat.values()) events.push({ type: 'fault.cleared', seat, at, code: gone.code, source: 'seat' });

  // INPUT_FLAPPING: raised above 20 edges a minute, cleared after a quiet minute.
  const prevFlaps = prev.filter((f) => f.source === 'controller' && f.code === FLAPPING);
  for (const f of prevFlaps) {
    const quiet = (edges.get(f.detail!)?.length ?? 0) === 0;
    if (quiet) events.push({ type: 'fault.cleared', seat, at, code: FLAPPING, source: 'controller' });
    else out.push(f);
  }
  for (const input of flappingNow) {
    if (prevFlaps.some((f) => f.detail === input)) continue;
    const snap: FaultSnapshot = { code: FLAPPING, severity: 'warn', since: at, source: 'controller', detail: input };
    out.push(snap);
    events.push({ type: 'fault.raised', seat, at, code: FLAPPING, severity: 'warn', source: 'controller', detail: input });
  }
  return out;
}
