import { IN_FLIGHT, type Rollout, type SeatProgress, type SeatState } from './model.js';
import { countGroup, failedSeats, failureLimit, groupPassed } from './thresholds.js';

/** Seats per state, every state present (zeros included) so clients need no defaults. */
export type Totals = Record<SeatState, number> & { seats: number };

export interface RolloutSummary {
  id: number;
  model: string;
  version: string;
  state: Rollout['state'];
  reason?: string;
  holding?: string;
  by: string;
  createdAt: number;
  updatedAt: number;
  totals: Totals;
  /** Seats told and not yet settled. */
  inFlight: number;
}

export interface GroupView {
  index: number;
  kind: 'canary' | 'batch';
  seats: number;
  succeeded: number;
  failed: number;
  needed: number;
  /**
   * waiting: not started; active: being rolled out; paused / halted: being rolled out when the rollout
   * was paused or halted (telling no more seats); cancelled: unfinished when the rollout was cancelled;
   * passed: met its threshold; waived: a technician went on without it.
   */
  status: 'waiting' | 'active' | 'paused' | 'halted' | 'cancelled' | 'passed' | 'waived';
}

export interface RolloutDetail extends RolloutSummary {
  target: Rollout['target'];
  options: Rollout['options'];
  onGround: boolean;
  forced: boolean;
  failures: { counted: number; limit: number; accepted: number };
  groups: GroupView[];
  seats: Omit<SeatProgress, 'startedMono' | 'bootId' | 'seq'>[];
}

const STATES: SeatState[] = ['pending', 'queued', 'sent', 'downloading', 'verifying', 'flashing', 'rebooting', 'updated', 'already', 'failed', 'skipped'];

export function summarize(r: Rollout): RolloutSummary {
  const totals = Object.fromEntries(STATES.map((s) => [s, 0])) as Totals;
  totals.seats = r.seats.length;
  for (const s of r.seats) totals[s.state]++;
  return {
    id: r.id,
    model: r.image.model,
    version: r.image.version,
    state: r.state,
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.holding ? { holding: r.holding } : {}),
    by: r.by,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    totals,
    inFlight: r.seats.filter((s) => IN_FLIGHT.has(s.state)).length,
  };
}

/** A group still being rolled out is only as active as its rollout: a halted one tells nobody. */
function unfinished(state: Rollout['state']): GroupView['status'] {
  return state === 'paused' || state === 'halted' || state === 'cancelled' ? state : 'active';
}

export function detail(r: Rollout): RolloutDetail {
  const failed = failedSeats(r).length;
  return {
    ...summarize(r),
    target: r.target,
    options: r.options,
    onGround: r.onGround,
    forced: r.forced,
    failures: { counted: failed - r.acceptedFailures, limit: failureLimit(r), accepted: r.acceptedFailures },
    groups: r.groups.map((g, index) => {
      const c = countGroup(r, index);
      const status = index > r.group ? (r.state === 'cancelled' ? 'cancelled' : 'waiting') : r.waived.includes(index) ? 'waived' : groupPassed(r, index, c) ? 'passed' : unfinished(r.state);
      return { index, kind: g.kind, seats: c.seats, succeeded: c.succeeded, failed: c.failed, needed: c.needed, status };
    }),
    seats: r.seats.map(({ startedMono: _m, bootId: _b, seq: _s, ...shown }) => shown),
  };
}
