import { DOWNLOADING, IN_FLIGHT, SETTLED, type Decision, type Effect, type Now, type Rollout, type SeatProgress, type SeatView } from './model.js';
import { moved, observeSeat } from './observe.js';
import { countGroup, failedSeats, failureLimit, groupPassed } from './thresholds.js';

export type RolloutEvent =
  /**
   * Periodic: follow told seats through their polls, time them out, apply the
   * thresholds, tell more seats. `hold` keeps it from telling seats (TFTP not
   * serving); `halt` stops the rollout (the image can no longer be served).
   */
  | { type: 'tick'; view: (seat: string) => SeatView | undefined; hold?: string; halt?: string }
  /** The service issued the command `seq` to these queued seats. */
  | { type: 'sent'; seats: readonly string[]; seq: number }
  /** Issuing failed: those seats' attempt failed. */
  | { type: 'send-failed'; seats: readonly string[]; error: string };

/** The rollout's next state and what to do, for one event. Pure: no clock, no I/O. */
export function decide(r: Rollout, ev: RolloutEvent, now: Now): Decision {
  switch (ev.type) {
    case 'tick':
      return tick(r, ev, now);
    case 'sent':
      return { rollout: touch(r, now, mapSeats(r, ev.seats, (s) => (s.state === 'queued' ? { ...moved(s, 'sent', now), seq: ev.seq } : s))), effects: [] };
    case 'send-failed': {
      const effects: Effect[] = [];
      const seats = mapSeats(r, ev.seats, (s) => (s.state === 'queued' ? fail(r, s, `could not send the command: ${ev.error}`, now, effects) : s));
      return { rollout: touch(r, now, seats), effects };
    }
  }
}

function tick(r: Rollout, ev: Extract<RolloutEvent, { type: 'tick' }>, now: Now): Decision {
  const effects: Effect[] = [];
  const seats = r.seats.map((s) => follow(r, s, ev.view(s.seat), now, effects));
  let next: Rollout = seats.some((s, i) => s !== r.seats[i]) ? touch(r, now, seats) : r;
  if (next.state !== 'running') return { rollout: next, effects };

  const stop = ev.halt ?? whyHalt(next);
  if (stop) return halt(next, stop, now, effects);
  next = advance(next);
  if (ev.hold !== next.holding) {
    const { holding: _held, ...rest } = next;
    next = ev.hold ? { ...rest, holding: ev.hold } : rest;
  }
  if (!ev.hold) next = dispatch(next, ev.view, now, effects);
  if (next.seats.every((s) => SETTLED.has(s.state))) return complete(next, now, effects);
  return { rollout: next, effects };
}

/** A told seat after its latest report or its timeout. */
function follow(r: Rollout, s: SeatProgress, view: SeatView | undefined, now: Now, effects: Effect[]): SeatProgress {
  if (!IN_FLIGHT.has(s.state) || s.state === 'queued') return s;
  const o = observeSeat(s, view, r.image, now);
  if (o.kind === 'failure') return fail(r, s, o.error, now, effects);
  const seen = o.seat;
  if (seen.state === 'updated') {
    const { error: _error, ...done } = seen;
    return done;
  }
  if (now.mono - (s.startedMono ?? now.mono) > r.options.seatTimeoutMs) {
    const offline = view?.online ? '' : ', seat offline';
    return fail(r, seen, `timed out after ${Math.round(r.options.seatTimeoutMs / 1000)} s (last state: ${seen.state}${offline})`, now, effects);
  }
  return seen;
}

/** One attempt failed: tell the seat again while attempts remain, else it has failed. */
function fail(r: Rollout, s: SeatProgress, error: string, now: Now, effects: Effect[]): SeatProgress {
  const { seq: _seq, startedMono: _started, ...rest } = s;
  if (s.attempts <= r.options.retries) {
    effects.push({ type: 'note', level: 'info', message: `rollout ${r.id}: ${s.seat} failed attempt ${s.attempts} (${error}); trying again` });
    return { ...moved(rest, 'pending', now), error };
  }
  effects.push({ type: 'note', level: 'warn', message: `rollout ${r.id}: ${s.seat} failed: ${error}` });
  return { ...moved(rest, 'failed', now), error };
}

function whyHalt(r: Rollout): string | undefined {
  const failed = failedSeats(r).length - r.acceptedFailures;
  const limit = failureLimit(r);
  if (failed > limit) {
    const { percent, seats } = r.options.errorThreshold;
    return `${failed} seats failed, more than the ${limit} the error threshold allows (${percent} % or ${seats} seats, whichever is more)`;
  }
  const c = countGroup(r, r.group);
  if (c.settled === c.seats && !groupPassed(r, r.group, c)) {
    const name = r.groups[r.group]?.kind === 'canary' ? 'the canary group' : `group ${r.group + 1} of ${r.groups.length}`;
    return `${name} finished with ${c.succeeded} of ${c.seats} seats on ${r.image.version}; the success threshold needs ${c.needed}`;
  }
  return undefined;
}

/** Moves on past every group that met its threshold: the next group starts while stragglers finish. */
function advance(r: Rollout): Rollout {
  let group = r.group;
  while (group < r.groups.length - 1 && groupPassed(r, group)) group++;
  return group === r.group ? r : { ...r, group };
}

/**
 * Tells pending seats of the current and earlier groups, in order, while
 * download slots are free. A seat is looked at again first: one that is now on
 * the version counts as done, one of another model is skipped. A seat told
 * while offline holds no slot until it is back (it is not downloading).
 */
function dispatch(r: Rollout, view: (seat: string) => SeatView | undefined, now: Now, effects: Effect[]): Rollout {
  let busy = r.seats.filter((s) => DOWNLOADING.has(s.state) && view(s.seat)?.online).length;
  const send: string[] = [];
  const seats = r.seats.map((s) => {
    if (s.state === 'queued') {
      send.push(s.seat); // committed but never issued: a restart came between
      return s;
    }
    if (s.state !== 'pending' || s.group > r.group || busy >= r.options.maxConcurrent) return s;
    const v = view(s.seat);
    if (v?.model && v.model !== r.image.model) return { ...moved(s, 'skipped', now), error: `the unit is now a ${v.model}` };
    if (v?.firmware === r.image.version) return moved(s, 'already', now);
    if (v?.online) busy++;
    send.push(s.seat);
    return { ...moved(s, 'queued', now), attempts: s.attempts + 1, bootId: v?.bootId ?? null, startedMono: now.mono };
  });
  if (send.length > 0) effects.push({ type: 'send', seats: send });
  return seats.some((s, i) => s !== r.seats[i]) ? touch(r, now, seats) : r;
}

function halt(r: Rollout, reason: string, now: Now, effects: Effect[]): Decision {
  effects.push({ type: 'note', level: 'warn', message: `rollout ${r.id} of ${r.image.model} ${r.image.version} halted: ${reason}` });
  const { holding: _held, ...rest } = r;
  return { rollout: { ...rest, state: 'halted', reason, updatedAt: now.wall }, effects };
}

function complete(r: Rollout, now: Now, effects: Effect[]): Decision {
  const count = (state: string) => r.seats.filter((s) => s.state === state).length;
  const parts = [`${count('updated')} updated`, `${count('already')} already on ${r.image.version}`, `${count('failed')} failed`, `${count('skipped')} skipped`];
  const reason = parts.join(', ');
  effects.push({ type: 'note', level: count('failed') > 0 ? 'warn' : 'info', message: `rollout ${r.id} of ${r.image.model} ${r.image.version} completed: ${reason}` });
  return { rollout: { ...r, state: 'completed', reason, updatedAt: now.wall }, effects };
}

function mapSeats(r: Rollout, names: readonly string[], fn: (s: SeatProgress) => SeatProgress): SeatProgress[] {
  const set = new Set(names);
  return r.seats.map((s) => (set.has(s.seat) ? fn(s) : s));
}

function touch(r: Rollout, now: Now, seats: SeatProgress[]): Rollout {
  return { ...r, seats, updatedAt: now.wall };
}

/**
 * A rollout read back after a controller restart. Monotonic times from the
 * previous process mean nothing now: every seat in flight gets a full
 * seatTimeoutMs from the restart (more time, never less). Queued seats are
 * issued again on the next tick.
 */
export function afterRestart(r: Rollout, now: Now): Rollout {
  return { ...r, seats: r.seats.map((s) => (IN_FLIGHT.has(s.state) ? { ...s, startedMono: now.mono } : s)) };
}
