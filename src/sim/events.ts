import type { MediaState } from '../../protocols/seat-poll/types.js';
import type { CommandOutcome, Message } from './seat-model.js';

/** What one poll came to: answered and applied, lost on purpose, or failed (see `error`). */
export type PollOutcome = 'ok' | 'dropped' | 'silent' | 'error';

/** What simulated seats tell an observer (tests, the CLI, a demo panel). */
export type SeatEvent =
  | { type: 'poll'; seat: string; seq: number; outcome: PollOutcome; error?: string; latencyMs?: number }
  | ({ type: 'command'; seat: string } & CommandOutcome)
  | { type: 'media'; seat: string; state: MediaState }
  | { type: 'message'; seat: string; message: Message }
  | { type: 'call'; seat: string; on: boolean }
  /** A new boot: after a reboot (injected or commanded) or an LRU swap. */
  | { type: 'boot'; seat: string; bootId: string; serial: string };
