/**
 * Tail-loss probe for windowed transfers (docs/tftp.md). RFC 7440 gives a
 * receiver no way to report that the last blocks of a window (or its ACK)
 * were lost: it cannot see a gap nothing follows, so the transfer waits out
 * the sender's timeout (a second by default) for every such loss. After a
 * window, if its ACK is overdue by a few round trips, the sender sends the
 * window's last block once more (after the first block, for a window that
 * was restarted). A receiver that lost the tail now sees a block out of
 * order and acknowledges where it is (as our seats and atftp do); one that
 * had it all acknowledges again. Either way the transfer moves on in
 * milliseconds, and the timeout stays for what the probe does not mend.
 */

/**
 * Never probe sooner: a seat writing a window to flash, or a busy head-end,
 * may take this long to ACK, and a needless probe costs a datagram each way.
 */
export const MIN_PROBE_MS = 50;

/** The smoothed round trip, in ms, after one more sample (RFC 6298's gain of 1/8). */
export function nextSrtt(srttMs: number | undefined, sampleMs: number): number {
  return srttMs === undefined ? sampleMs : srttMs + (sampleMs - srttMs) / 8;
}

/**
 * How long after a window is sent its tail is probed: four round trips, at
 * least MIN_PROBE_MS, at most half the retransmission timeout (the probe must
 * come first). Before any round trip is known, a quarter of the timeout.
 */
export function probeDelayMs(srttMs: number | undefined, timeoutMs: number): number {
  const latest = timeoutMs / 2;
  if (srttMs === undefined) return Math.min(latest, Math.max(MIN_PROBE_MS, timeoutMs / 4));
  return Math.min(latest, Math.max(MIN_PROBE_MS, 4 * srttMs));
}
