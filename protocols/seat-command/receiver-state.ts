import { type SeatRef, targets } from './target.js';
import type { CommandBody } from './types.js';

/**
 * What a seat remembers about commands (pure; simulated seats and seat firmware
 * follow the same rule, see docs/protocol-commands.md "Receiver rules").
 *
 * Every seat hears every datagram, including those for other seats, so the
 * gaps in seq it sees come from loss, not from targeting. A seat therefore
 * settles seqs strictly in order: each seq once, applied if it targets the seat
 * and has not expired, otherwise skipped. A datagram above a gap waits in
 * `pending` until the gap closes by multicast or a poll response settles it.
 */
export interface ReceiverState {
  /** Every seq up to this one is settled. Reported as `ackCmd`; persist it before acting on a reboot. */
  readonly ackCmd: number;
  /** Highest seq heard by multicast. Snapshot it when sending a poll: see onPollResponse. */
  readonly heard: number;
  /** Commands above ackCmd waiting for a gap below them to close, ascending seq. */
  readonly pending: readonly CommandBody[];
}

export type SkipReason = 'replay' | 'expired' | 'not-targeted' | 'overflow';

export interface ReceiverStep {
  state: ReceiverState;
  /** Act on these, in this order. */
  apply: CommandBody[];
  /** Seqs not acted on, for counters. `overflow` is not lost: the next poll brings it back. */
  skipped: { seq: number; reason: SkipReason }[];
}

/** Bounds memory while a gap is open; anything dropped comes back in a poll. */
export const PENDING_LIMIT = 64;
/** A poll response lists at most this many commands; a full list may have more behind it. */
export const POLL_COMMAND_LIMIT = 32;

export function initialReceiverState(ackCmd = 0): ReceiverState {
  return { ackCmd, heard: ackCmd, pending: [] };
}

/** A verified datagram from the multicast group (any of its copies). */
export function onMulticast(state: ReceiverState, body: CommandBody, seat: SeatRef, now: number): ReceiverStep {
  const skipped: ReceiverStep['skipped'] = [];
  const heard = Math.max(state.heard, body.seq);
  let pending = state.pending;
  if (body.seq <= state.ackCmd || pending.some((c) => c.seq === body.seq)) {
    skipped.push({ seq: body.seq, reason: 'replay' });
  } else {
    pending = withPending(pending, [body]);
  }
  return settle({ ackCmd: state.ackCmd, heard, pending }, state.ackCmd, seat, now, skipped);
}

/**
 * The `commands` of a poll response. `heardAtRequest` is `state.heard` as it was
 * when that poll was sent: the controller published every seq up to it before
 * the poll arrived, so a complete list (under POLL_COMMAND_LIMIT) also settles
 * every unlisted seq up to it as not for this seat, or expired.
 */
export function onPollResponse(
  state: ReceiverState,
  commands: readonly CommandBody[],
  heardAtRequest: number,
  seat: SeatRef,
  now: number,
): ReceiverStep {
  const skipped: ReceiverStep['skipped'] = [];
  const fresh = commands.filter((c) => {
    if (c.seq > state.ackCmd) return true;
    skipped.push({ seq: c.seq, reason: 'replay' });
    return false;
  });
  const pending = withPending(state.pending, fresh);
  const listedUpTo = Math.max(0, ...commands.map((c) => c.seq));
  const settledUpTo = commands.length >= POLL_COMMAND_LIMIT ? listedUpTo : Math.max(listedUpTo, heardAtRequest);
  return settle({ ackCmd: state.ackCmd, heard: state.heard, pending }, settledUpTo, seat, now, skipped);
}

/** Adds commands whose seq is not pending yet, keeping ascending order. */
function withPending(pending: readonly CommandBody[], add: readonly CommandBody[]): CommandBody[] {
  const bySeq = new Map(pending.map((c) => [c.seq, c]));
  for (const c of add) if (!bySeq.has(c.seq)) bySeq.set(c.seq, c);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Settles seqs in order from ackCmd: pending commands one by one, and gaps known to be empty up to `gapsSettledUpTo`. */
function settle(
  state: ReceiverState,
  gapsSettledUpTo: number,
  seat: SeatRef,
  now: number,
  skipped: ReceiverStep['skipped'],
): ReceiverStep {
  const apply: CommandBody[] = [];
  let ackCmd = state.ackCmd;
  let i = 0;
  for (;;) {
    const next = state.pending[i];
    if (next?.seq === ackCmd + 1) {
      if (!targets(next.target, seat)) skipped.push({ seq: next.seq, reason: 'not-targeted' });
      else if (next.expiresAt < now) skipped.push({ seq: next.seq, reason: 'expired' });
      else apply.push(next);
      ackCmd = next.seq;
      i++;
    } else if (ackCmd < gapsSettledUpTo) {
      ackCmd = Math.min(gapsSettledUpTo, next ? next.seq - 1 : gapsSettledUpTo);
    } else {
      break;
    }
  }
  // Bound what stays held only after settling, so a listed command the gap
  // settlement counted on is never dropped. What is dropped lies above ackCmd,
  // so a later poll brings it back.
  const pending = state.pending.slice(i);
  for (const c of pending.splice(PENDING_LIMIT)) skipped.push({ seq: c.seq, reason: 'overflow' });
  return { state: { ackCmd, heard: state.heard, pending }, apply, skipped };
}
