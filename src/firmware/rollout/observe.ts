import type { ImageRef, Now, SeatProgress, SeatState, SeatView } from './model.js';

/** How one told seat stands after its latest report: a new progress, or a failure to count. */
export type Observation = { kind: 'progress'; seat: SeatProgress } | { kind: 'failure'; error: string };

const REPORTED: ReadonlySet<string> = new Set(['downloading', 'verifying', 'flashing', 'rebooting']);

/**
 * Success is a new boot that runs the version: the seat's word that it is
 * "rebooting" proves nothing. Until the seat has acknowledged our command
 * (ackCmd >= seq), its update field may still describe an earlier attempt, so
 * it is not read; a new boot without the version after that is a failure
 * (an A/B rollback, or power lost mid-update).
 */
export function observeSeat(s: SeatProgress, view: SeatView | undefined, image: ImageRef, now: Now): Observation {
  if (!view) return { kind: 'progress', seat: s };
  const rebooted = view.bootId !== s.bootId;
  if (view.firmware === image.version && rebooted) return { kind: 'progress', seat: moved(s, 'updated', now) };
  if (s.seq === undefined || view.ackCmd < s.seq) return { kind: 'progress', seat: s };
  const u = view.update;
  const aboutUs = u !== null && (u.version === undefined || u.version === image.version);
  if (rebooted) {
    const why = aboutUs && u.state === 'failed' && u.error ? u.error : `rebooted still running ${view.firmware ?? 'an unknown version'}`;
    return { kind: 'failure', error: why };
  }
  if (!aboutUs) return { kind: 'progress', seat: s };
  if (u.state === 'failed') return { kind: 'failure', error: u.error ?? 'the seat reported a failed update without a reason' };
  if (!REPORTED.has(u.state)) return { kind: 'progress', seat: s };
  const next = u.state === s.state ? s : moved(s, u.state as SeatState, now);
  const progress = u.state === 'downloading' ? u.progress : undefined;
  return { kind: 'progress', seat: progress === next.progress ? next : withProgress(next, progress) };
}

export function moved(s: SeatProgress, state: SeatState, now: Now): SeatProgress {
  const { progress: _progress, ...rest } = s;
  return { ...rest, state, since: now.wall };
}

function withProgress(s: SeatProgress, progress: number | undefined): SeatProgress {
  const { progress: _old, ...rest } = s;
  return progress === undefined ? rest : { ...rest, progress };
}
