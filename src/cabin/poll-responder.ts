import type { SeatDef } from '../config/layout.js';
import { DEFAULT_DESIRED, type DesiredState } from '../../protocols/seat-poll/types.js';

export interface PollAnswerParts {
  desired: DesiredState;
  commands: unknown[];
  /** Set when the seat should poll again sooner than the cabin's interval (never later). */
  pollSoonerMs?: number;
}

/**
 * What a poll answer carries besides the time: the level-triggered desired
 * state and the commands the seat has not acknowledged. The command book
 * provides the real one; this default serves a cabin with no commands yet.
 */
export interface PollResponder {
  respond(seat: SeatDef, ackCmd: number, now: number): PollAnswerParts;
}

export const idleResponder: PollResponder = {
  respond: () => ({ desired: { ...DEFAULT_DESIRED }, commands: [] }),
};
