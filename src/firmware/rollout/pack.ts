import { MAX_BODY_BYTES } from '../../../protocols/seat-command/codec.js';

/** Room for the seq and times the command log adds, at their longest. */
const ENVELOPE = { seq: Number.MAX_SAFE_INTEGER, at: 1e13, expiresAt: 1e13 };

/**
 * Splits seats into as few commands as fit one signed datagram each: fewer
 * commands mean fewer fsync'd log writes and fewer datagrams to send.
 */
export function packSeats(seats: readonly string[], cmd: string, args: object): string[][] {
  const empty = JSON.stringify({ ...ENVELOPE, target: { seats: [] }, cmd, args }).length;
  const groups: string[][] = [];
  let group: string[] = [];
  let size = empty;
  for (const seat of seats) {
    const name = JSON.stringify(seat).length;
    if (group.length > 0 && size + 1 + name > MAX_BODY_BYTES) {
      groups.push(group);
      group = [];
      size = empty;
    }
    size += name + (group.length > 0 ? 1 : 0);
    group.push(seat);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
