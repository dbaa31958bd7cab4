import type { ErrorCode } from './codec.js';

/** How a transfer ended. */
export type Outcome = 'completed' | 'timeout' | 'client-error' | 'read-error' | 'network-error' | 'aborted';

export interface TransferInfo {
  id: number;
  /** The seat (client) address and port. */
  address: string;
  port: number;
  /** The file as requested, normalized (relative to the root). */
  file: string;
  size: number;
  blksize: number;
  windowsize: number;
  timeoutMs: number;
}

export interface TransferEnd extends TransferInfo {
  /** File bytes the client acknowledged. */
  bytes: number;
  /** DATA and OACK packets sent more than once, after a timeout or a client's gap ACK. */
  retransmits: number;
  /** Tail-loss probes: a window's last block sent again because its ACK was overdue. */
  probes: number;
  durationMs: number;
}

export type TftpEvent =
  | ({ type: 'started' } & TransferInfo)
  | ({ type: 'completed'; outcome: 'completed' } & TransferEnd)
  | ({ type: 'failed'; outcome: Exclude<Outcome, 'completed'>; reason: string } & TransferEnd)
  /** A request answered with an ERROR packet before any transfer began. */
  | { type: 'refused'; address: string; port: number; file: string; code: ErrorCode; reason: string };

/** Counters since construction; `stats()` returns a copy. */
export interface TftpStats {
  active: number;
  started: number;
  outcomes: Record<Outcome, number>;
  refused: number;
  /** File bytes acknowledged by clients, counted when each transfer ends. */
  bytes: number;
  retransmits: number;
  probes: number;
  badPackets: number;
  /** Time spent polling for ACKs instead of sleeping (busy-poll.ts), ms: the CPU it cost, at most. */
  busyPollMs: number;
}

export function emptyStats(): TftpStats {
  return {
    active: 0,
    started: 0,
    outcomes: { completed: 0, timeout: 0, 'client-error': 0, 'read-error': 0, 'network-error': 0, aborted: 0 },
    refused: 0,
    bytes: 0,
    retransmits: 0,
    probes: 0,
    badPackets: 0,
    busyPollMs: 0,
  };
}
