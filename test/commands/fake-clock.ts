import type { Clock } from '../../core/clock.js';

/** A clock the test moves: monotonic and wall advance together unless the wall is made to jump. */
export class FakeClock implements Clock {
  #mono: number;
  #wall: number;
  constructor(start: number, wall = start) {
    this.#mono = start;
    this.#wall = wall;
  }
  mono(): number {
    return this.#mono;
  }
  wall(): number {
    return this.#wall;
  }
  advance(ms: number): void {
    this.#mono += ms;
    this.#wall += ms;
  }
  /** Both clocks to `ms` on the wall (tests that start with mono == wall). */
  set(ms: number): void {
    this.advance(ms - this.#wall);
  }
  /** The wall clock jumps (an NTP step, a battery-less RTC after a cut); monotonic time does not. */
  jumpWall(ms: number): void {
    this.#wall += ms;
  }
}
