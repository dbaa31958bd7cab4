import { SETTLED, SUCCEEDED, type Rollout, type SeatProgress } from './model.js';

export interface GroupCount {
  /** Seats of the group (none are skipped: skipped seats belong to no group). */
  seats: number;
  succeeded: number;
  failed: number;
  settled: number;
  /** Succeeded seats the success threshold asks for. */
  needed: number;
}

/** Seats the threshold needs: a share of the group, rounded up, so 1.0 means every seat. */
export function neededFor(seats: number, successThreshold: number): number {
  // The epsilon keeps 0.9 * 10 from becoming 10 through floating-point error.
  return Math.min(seats, Math.ceil(seats * successThreshold - 1e-9));
}

export function countGroup(r: Rollout, group: number): GroupCount {
  let seats = 0;
  let succeeded = 0;
  let failed = 0;
  let settled = 0;
  for (const s of r.seats) {
    if (s.group !== group) continue;
    seats++;
    if (SUCCEEDED.has(s.state)) succeeded++;
    if (s.state === 'failed') failed++;
    if (SETTLED.has(s.state)) settled++;
  }
  return { seats, succeeded, failed, settled, needed: neededFor(seats, r.options.successThreshold) };
}

/** Met its threshold, or a technician resumed past it. */
export function groupPassed(r: Rollout, group: number, c = countGroup(r, group)): boolean {
  return c.succeeded >= c.needed || r.waived.includes(group);
}

/** Seats the rollout is for: every seat it tells, and those already on the version. */
export function eligibleSeats(r: Rollout): number {
  return r.seats.filter((s) => s.state !== 'skipped').length;
}

/** Failures tolerated before halting: the larger of `seats` and `percent` of the eligible seats. */
export function failureLimit(r: Rollout): number {
  const { percent, seats } = r.options.errorThreshold;
  return Math.max(seats, Math.floor((eligibleSeats(r) * percent) / 100 + 1e-9));
}

export function failedSeats(r: Rollout): SeatProgress[] {
  return r.seats.filter((s) => s.state === 'failed');
}
