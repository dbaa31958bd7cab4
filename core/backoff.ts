export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000 };

/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff and Jitter"): a uniform wait in [0, min(max, initial * 2^attempt)].
 * Many seats or services retrying after one power cut spread out instead of
 * retrying in step.
 */
export function backoffDelay(attempt: number, p: BackoffPolicy = DEFAULT_BACKOFF, rand: () => number = Math.random): number {
  const cap = Math.min(p.maxMs, p.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(rand() * cap);
}
