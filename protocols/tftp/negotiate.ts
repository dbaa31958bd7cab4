import type { RequestOptions } from './codec.js';

export interface Limits {
  maxBlksize: number;
  maxWindowsize: number;
  /** Largest burst (windowsize x blksize) granted, in bytes. */
  maxWindowBytes: number;
  defaultTimeoutMs: number;
}

export interface Negotiated {
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  /** The OACK to send, or undefined when the client asked for nothing we accept (plain RFC 1350 transfer). */
  oack: Array<[string, string]> | undefined;
}

/**
 * The transfer parameters for a read request. Only options the client asked
 * for are acknowledged (RFC 2347); sizes are clamped to our maxima, so the
 * reply never exceeds what the client offered. The window is also held to
 * maxWindowBytes: a burst larger than the client's socket buffer (208 KiB by
 * default on Linux, where an 8 KiB datagram takes 16 KiB of it) loses its
 * tail, and the transfer then crawls from timeout to timeout. `timeout` is
 * honoured as asked: the client times its own retransmissions by it too.
 */
export function negotiate(requested: RequestOptions, limits: Limits, fileSize: number): Negotiated {
  const oack: Array<[string, string]> = [];
  let blksize = 512;
  let windowsize = 1;
  let timeoutMs = limits.defaultTimeoutMs;
  if (requested.blksize !== undefined) {
    blksize = Math.min(requested.blksize, limits.maxBlksize);
    oack.push(['blksize', String(blksize)]);
  }
  if (requested.timeout !== undefined) {
    timeoutMs = requested.timeout * 1000;
    oack.push(['timeout', String(requested.timeout)]);
  }
  if (requested.tsize !== undefined) oack.push(['tsize', String(fileSize)]);
  if (requested.windowsize !== undefined) {
    windowsize = Math.max(1, Math.min(requested.windowsize, limits.maxWindowsize, Math.floor(limits.maxWindowBytes / blksize)));
    oack.push(['windowsize', String(windowsize)]);
  }
  return { blksize, windowsize, timeoutMs, oack: oack.length > 0 ? oack : undefined };
}
