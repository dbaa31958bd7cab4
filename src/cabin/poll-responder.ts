import type { SeatDef } from '../config/layout.js';
import { DEFAULT_DESIRED, type DesiredState } from '../../protocols/seat-poll/types.js';

/**
 * What a poll answer carries besides the time: the level-triggered desired
 * state and the commands the seat has not acknowledged. The command book
 * provides the real one; this default serves a cabin with no commands yet.
 */
export interface PollResponder {
  respond(seat: SeatDef, ackCmd: number, now: number): { desired: DesiredState; commands: unknown[] };
}

export const idleResponder: PollResponder = {
  respond: () => ({ desired: { ...DEFAULT_DESIRED }, commands: [] }),
};
