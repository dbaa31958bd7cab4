import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * Polls before bulk work: a worker thread that copies, hashes or serves
 * downloads calls this once, so that when the cores are busy the scheduler
 * runs the main loop (seat polls, commands) first. Linux gives each thread
 * its own nice value (setpriority on its tid); elsewhere the thread keeps the
 * process's. Returns the thread's nice value after, or null where it could
 * not be set. Never on the main thread: that would slow the very loop this
 * protects (a worker module imported there by mistake).
 */
export function lowerThisThreadPriority(increment = 10): number | null {
  if (isMainThread) return null;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, Math.min(19, getPriority(tid) + increment));
    return getPriority(tid);
  } catch {
    return null;
  }
}
