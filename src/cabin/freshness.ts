import { randomBytes } from 'node:crypto';
import type { PollRequest, PollRefusalCode } from '../../protocols/seat-poll/types.js';

/**
 * Poll freshness (poll v1.1, docs/protocol.md §1 "Freshness"). A signed poll
 * proves who wrote it, not when: the same bytes re-sent after the seat rebooted
 * would put its old boot back. So the controller hands each boot of each unit
 * a nonce in its answers and a v1.1 seat's polls carry it; a poll with another
 * nonce is old. Within a boot `seq` orders the polls, so one nonce per boot is
 * enough. Seats without the field (v1) are accepted as `legacy`: for them only
 * a bootId seen before and superseded is known to be old.
 */
export type FreshnessMode = 'nonce' | 'legacy';

/** What the controller holds per unit (in the seat record of the seat it is installed at; persisted). */
export interface FreshnessState {
  mode: FreshnessMode | null;
  /** The nonce of the unit's current boot; null before its first accepted poll. */
  nonce: string | null;
  /** Superseded bootIds, oldest first, at most `maxPastBoots`. */
  pastBootIds: readonly string[];
}

export const NO_FRESHNESS: FreshnessState = Object.freeze({ mode: null, nonce: null, pastBootIds: Object.freeze([]) as readonly string[] });

export const DEFAULT_MAX_PAST_BOOTS = 16;

export type FreshnessVerdict =
  | { ok: true; next: FreshnessState }
  | { ok: false; code: Extract<PollRefusalCode, 'STALE_POLL' | 'NONCE_REQUIRED'>; message: string; nonce: string; next: FreshnessState };

/** 128 random bits as 32 lowercase hex digits. */
export const randomNonce = (): string => randomBytes(16).toString('hex');

/**
 * Pure but for `newNonce`: whether `poll` is fresh for a unit whose state is
 * `state` and whose current boot is `bootId` (null: none known), and the state
 * after it. A refusal carries the nonce to poll again with (`next` holds it,
 * when it had to be made).
 */
export function judgeFreshness(
  state: FreshnessState,
  bootId: string | null,
  poll: Pick<PollRequest, 'bootId' | 'nonce'>,
  newNonce: () => string = randomNonce,
  maxPastBoots = DEFAULT_MAX_PAST_BOOTS,
): FreshnessVerdict {
  const refuse = (code: 'STALE_POLL' | 'NONCE_REQUIRED', message: string): FreshnessVerdict => {
    const next = state.nonce ? state : { ...state, nonce: newNonce() };
    return { ok: false, code, message, nonce: next.nonce!, next };
  };
  if (poll.nonce !== undefined) {
    // No nonce held (a unit never seen, or state lost): the poll is a first contact, as without one.
    if (state.nonce !== null && poll.nonce !== state.nonce) return refuse('STALE_POLL', 'the poll carries a nonce of an earlier boot: poll again with the nonce of this answer');
  } else if (state.mode === 'nonce') {
    // A unit that has spoken v1.1 never goes back: a poll without the nonce is a replay or a cold start.
    return refuse('NONCE_REQUIRED', 'this unit polls with a nonce: poll again with the nonce of this answer');
  }
  const newBoot = poll.bootId !== bootId;
  if (newBoot && state.pastBootIds.includes(poll.bootId)) return refuse('STALE_POLL', `bootId ${poll.bootId} was superseded by a later boot`);
  const mode: FreshnessMode = poll.nonce !== undefined || state.mode === 'nonce' ? 'nonce' : 'legacy';
  if (!newBoot && state.nonce !== null && mode === state.mode) return { ok: true, next: state };
  const pastBootIds = newBoot && bootId !== null ? [...state.pastBootIds.filter((b) => b !== bootId), bootId].slice(-maxPastBoots) : state.pastBootIds;
  return { ok: true, next: { mode, nonce: newBoot || state.nonce === null ? newNonce() : state.nonce, pastBootIds } };
}
