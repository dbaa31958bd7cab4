import type { CommandStatus, Target } from './wire.js';

/**
 * Standing orders: commands that set a seat's state until another changes it
 * (a message on the screen, a lock), unlike a pause or a reboot. The page keeps
 * the newest of each family per target apart from its few recent commands, so
 * a message sent long ago, behind many other actions, is still known to be on
 * the screen, and the Lock dialog still knows a seat is locked under a PA.
 */
export type StandingFamily = 'message' | 'lock';

const FAMILY: Readonly<Record<string, StandingFamily>> = {
  'message.show': 'message',
  'message.clear': 'message',
  'seat.lock': 'lock',
  'seat.unlock': 'lock',
};

/** The commands the snapshot loads by name for the standing orders. */
export const STANDING_COMMANDS: readonly string[] = Object.keys(FAMILY);

/** Distinct targets kept (whole cabin, each zone, each seat or list of seats): plenty for a cabin, bounded for a page left open for weeks. */
export const KEEP_STANDING = 1000;

export function familyOf(cmd: string): StandingFamily | undefined {
  return Object.hasOwn(FAMILY, cmd) ? FAMILY[cmd] : undefined;
}

function targetKey(t: Target): string {
  if ('all' in t) return '*';
  if ('zones' in t) return `z:${[...t.zones].sort().join(',')}`;
  return `s:${[...t.seats].sort().join(',')}`;
}

/** Pure: the standing orders after one more command (a newer one for the same target replaces the older). */
export function withStanding(standing: ReadonlyMap<string, CommandStatus>, c: CommandStatus): ReadonlyMap<string, CommandStatus> {
  const family = familyOf(c.cmd);
  if (!family) return standing;
  const key = `${family}|${targetKey(c.target)}`;
  const prev = standing.get(key);
  if (prev && prev.seq >= c.seq) return standing;
  const next = new Map(standing).set(key, c);
  if (next.size > KEEP_STANDING) {
    const oldest = [...next.entries()].sort((a, b) => a[1].seq - b[1].seq).slice(0, next.size - KEEP_STANDING);
    for (const [k] of oldest) next.delete(k);
  }
  return next;
}

/** Does a command's target include this seat (in this zone)? */
export function reaches(t: Target, seat: string, zone: string | undefined): boolean {
  return 'all' in t || ('zones' in t ? zone !== undefined && t.zones.includes(zone) : t.seats.includes(seat));
}

/** The newest command of a family that reached this seat, from any number of lists (repeats are harmless). */
export function newestReaching(commands: Iterable<CommandStatus>, family: StandingFamily, seat: string, zone: string | undefined): CommandStatus | undefined {
  let newest: CommandStatus | undefined;
  for (const c of commands) {
    if (familyOf(c.cmd) !== family || !reaches(c.target, seat, zone)) continue;
    if (!newest || c.seq > newest.seq) newest = c;
  }
  return newest;
}
