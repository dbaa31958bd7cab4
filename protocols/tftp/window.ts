/**
 * The sender's side of a windowed transfer (RFC 7440; windowsize 1 is RFC
 * 1350 lockstep), as pure functions. Blocks are numbered absolutely from 1;
 * block 0 stands for the OACK, which the client acknowledges as block 0. Only
 * the wire number is 16 bits (it wraps to 0 after 65535).
 */
export interface WindowState {
  /** Highest block the client acknowledged; -1 while an OACK awaits its ACK. */
  readonly acked: number;
  /** Highest block handed out for sending. */
  readonly sent: number;
}

/** Send blocks `from`..`to` inclusive (block 0 is the OACK). */
export interface Plan {
  readonly state: WindowState;
  readonly from: number;
  readonly to: number;
}

export function startWindow(withOack: boolean, windowsize: number, last: number): Plan {
  if (withOack) return { state: { acked: -1, sent: 0 }, from: 0, to: 0 };
  return advance(0, windowsize, last);
}

/**
 * An ACK carrying the 16-bit `wireBlock`. It counts only if it names a block
 * above the last acknowledged one and not beyond what was sent (the window is
 * far smaller than 65536, so the match is unique). Anything else (a stale,
 * duplicated or nonsensical ACK) returns undefined and must be ignored: that
 * is what prevents the Sorcerer's Apprentice duplicate-send cascade.
 * An ACK short of `sent` means the client lost the next block: the new window
 * starts right after it (RFC 7440 section 4).
 */
export function ackReceived(s: WindowState, wireBlock: number, windowsize: number, last: number): Plan | undefined {
  const block = s.sent - ((s.sent - wireBlock) & 0xffff);
  if (block <= s.acked) return undefined;
  return advance(block, windowsize, last);
}

/**
 * An ACK repeating the last acknowledged block while a window is out. With
 * windows of more than one block it is how a receiver reports that it lost
 * the window's first block: it acknowledges the last block it has in order,
 * which we already had. Resend that window (the caller does so once per
 * window, so a stale echo costs one window at most). In lockstep a repeated
 * ACK is only ever an echo, and answering it is the Sorcerer's Apprentice
 * bug: undefined.
 */
export function repeatedAck(s: WindowState, wireBlock: number, windowsize: number, last: number): Plan | undefined {
  if (windowsize < 2 || s.acked < 0 || s.sent <= s.acked) return undefined;
  const block = s.sent - ((s.sent - wireBlock) & 0xffff);
  if (block !== s.acked) return undefined;
  return { state: s, from: s.acked + 1, to: Math.min(s.acked + windowsize, last) };
}

/** No ACK in time: resend the OACK, or the window that follows the last acknowledged block. */
export function timedOut(s: WindowState, windowsize: number, last: number): Plan {
  if (s.acked < 0) return { state: s, from: 0, to: 0 };
  return { state: s, from: s.acked + 1, to: Math.min(s.acked + windowsize, last) };
}

export function isComplete(s: WindowState, last: number): boolean {
  return s.acked >= last;
}

function advance(acked: number, windowsize: number, last: number): Plan {
  const to = Math.min(acked + windowsize, last);
  return { state: { acked, sent: Math.max(to, acked) }, from: acked + 1, to };
}
