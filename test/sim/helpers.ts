import { Ajv } from 'ajv';
import { pollRequestSchema } from '../../protocols/seat-poll/schema.js';
import type { SeatClock } from '../../src/sim/seat-model.js';

/** Strict: no coercion, no stripping. A simulated seat must send exactly the documented shape. */
export const validatePoll = new Ajv({ allErrors: true }).compile(pollRequestSchema);

/** Virtual time: a monotonic and a wall clock that move only when told. */
export class FakeClock implements SeatClock {
  t = 1_000;
  w = 1_763_800_000_000;
  mono(): number {
    return this.t;
  }
  wall(): number {
    return this.w;
  }
  advance(ms: number): void {
    this.t += ms;
    this.w += ms;
  }
}
