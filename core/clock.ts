/**
 * The two clocks: monotonic for durations, timeouts and rates; wall for
 * display, logs and the protocol's `*At` fields. The head-end's wall clock is
 * not trusted after a power cut, so nothing that is a duration reads it.
 */
export interface Clock {
  /** Monotonic milliseconds (performance.now()). */
  mono(): number;
  /** Wall-clock epoch milliseconds (Date.now()). */
  wall(): number;
}

export const systemClock: Clock = { mono: () => performance.now(), wall: () => Date.now() };
