import type { Target } from '../../../protocols/seat-command/types.js';
import type { GroupDef, ImageRef, Now, Rollout, RolloutOptions, SeatProgress, SeatView } from './model.js';

export interface PlanInput {
  id: number;
  image: ImageRef;
  target: Target;
  /** The targeted seats, in cabin order. */
  seats: readonly string[];
  options: RolloutOptions;
  by: string;
  onGround: boolean;
  forced: boolean;
}

/**
 * A new rollout: seats of another model or with no unit known are skipped,
 * seats already on the version are done, the rest form groups. The canary
 * takes the first seats that are online, so its verdict comes quickly; the
 * batches follow in cabin order.
 */
export function planRollout(p: PlanInput, view: (seat: string) => SeatView | undefined, now: Now): Rollout {
  const eligible: string[] = [];
  const outside: SeatProgress[] = [];
  for (const seat of p.seats) {
    const v = view(seat);
    const base = { seat, group: -1, attempts: 0, since: now.wall, from: v?.firmware ?? null };
    if (!v?.model) outside.push({ ...base, state: 'skipped', error: 'no unit known: the seat has never polled' });
    else if (v.model !== p.image.model) outside.push({ ...base, state: 'skipped', error: `the unit is a ${v.model}` });
    else if (v.firmware === p.image.version) outside.push({ ...base, state: 'already' });
    else eligible.push(seat);
  }
  const canary = Math.min(p.options.canary, eligible.length);
  const online = eligible.filter((s) => view(s)?.online);
  const canarySeats = [...online, ...eligible.filter((s) => !view(s)?.online)].slice(0, canary);
  const taken = new Set(canarySeats);
  const rest = eligible.filter((s) => !taken.has(s));

  const groups: GroupDef[] = [];
  const seats: SeatProgress[] = [];
  const addGroup = (kind: GroupDef['kind'], members: string[]) => {
    const group = groups.length;
    groups.push({ kind, size: members.length });
    for (const seat of members) seats.push({ seat, group, state: 'pending', attempts: 0, since: now.wall, from: view(seat)?.firmware ?? null });
  };
  if (canarySeats.length > 0) addGroup('canary', canarySeats);
  for (let i = 0; i < rest.length; i += p.options.batchSize) addGroup('batch', rest.slice(i, i + p.options.batchSize));

  return {
    id: p.id,
    image: p.image,
    target: p.target,
    options: p.options,
    state: 'running',
    groups,
    group: 0,
    waived: [],
    acceptedFailures: 0,
    seats: [...seats, ...outside],
    by: p.by,
    onGround: p.onGround,
    forced: p.forced,
    createdAt: now.wall,
    updatedAt: now.wall,
  };
}
