import { moved } from './observe.js';
import type { Decision, Now, Rollout, SeatProgress } from './model.js';
import { countGroup, failedSeats, groupPassed } from './thresholds.js';

export type ControlAction = 'pause' | 'resume' | 'cancel' | 'retry';

export type ControlResult = { ok: true; decision: Decision } | { ok: false; message: string };

/**
 * A technician's pause, resume, cancel or retry; refused with the reason when
 * it makes no sense in the rollout's state. Seats already told are followed
 * whatever happens: a seat that is flashing cannot be called back.
 */
export function control(r: Rollout, action: ControlAction, by: string, now: Now): ControlResult {
  const name = `rollout ${r.id} of ${r.image.model} ${r.image.version}`;
  const refuse = (why: string): ControlResult => ({ ok: false, message: `cannot ${action} ${name}: ${why}` });
  const done = (rollout: Rollout, message: string): ControlResult => ({
    ok: true,
    decision: { rollout: { ...rollout, updatedAt: now.wall }, effects: [{ type: 'note', level: 'info', message: `${name} ${message} by ${by}` }] },
  });
  const { reason: _reason, ...open } = r;
  switch (action) {
    case 'pause':
      if (r.state !== 'running') return refuse(`it is ${r.state}`);
      return done({ ...open, state: 'paused', reason: `paused by ${by}` }, 'paused');
    case 'resume':
      if (r.state === 'paused') return done({ ...open, state: 'running' }, 'resumed');
      if (r.state !== 'halted') return refuse(`it is ${r.state}`);
      return done(
        {
          ...open,
          state: 'running',
          // The technician has seen these failures and goes on regardless.
          acceptedFailures: failedSeats(r).length,
          waived: waiveSettled(r),
        },
        `resumed after a halt, accepting ${failedSeats(r).length} failed seats`,
      );
    case 'cancel':
      if (r.state === 'completed' || r.state === 'cancelled') return refuse(`it is already ${r.state}`);
      return done({ ...open, state: 'cancelled', reason: `cancelled by ${by}` }, 'cancelled');
    case 'retry': {
      if (r.state === 'cancelled') return refuse('it was cancelled');
      const failed = failedSeats(r).length;
      if (failed === 0) return refuse('no seat has failed');
      // A retried seat starts clean: its last error is no longer what is wrong with it, until it fails again.
      const seats = r.seats.map((s) => (s.state === 'failed' ? { ...withoutError(moved(s, 'pending', now)), attempts: 0 } : s));
      return done({ ...open, state: r.state === 'paused' ? 'paused' : 'running', acceptedFailures: 0, seats }, `retrying ${failed} failed seats`);
    }
  }
}

function withoutError(s: SeatProgress): SeatProgress {
  const { error: _error, ...rest } = s;
  return rest;
}

/** The current group, if every seat in it settled below the threshold: resuming goes past it. */
function waiveSettled(r: Rollout): number[] {
  const c = countGroup(r, r.group);
  if (c.settled < c.seats || groupPassed(r, r.group, c)) return r.waived;
  return [...r.waived, r.group];
}
