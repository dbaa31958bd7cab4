import { Ajv } from 'ajv';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { pollRequestSchema } from '../../protocols/seat-poll/schema.js';
import type { SeatEvent } from '../../src/sim/events.js';
import type { SeatClock } from '../../src/sim/seat-model.js';
import type { Simulator } from '../../src/sim/simulator.js';

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

type EventOf<T extends SeatEvent['type']> = Extract<SeatEvent, { type: T }>;

/** The next `count` events of a type from the simulator that match. */
export function nextEvents<T extends SeatEvent['type']>(sim: Simulator, type: T, count: number, match: (e: EventOf<T>) => boolean = () => true): Promise<EventOf<T>[]> {
  return firstValueFrom(
    sim.events$.pipe(
      filter((e): e is EventOf<T> => e.type === type && match(e as EventOf<T>)),
      take(count),
      toArray(),
    ),
  );
}

export async function nextEvent<T extends SeatEvent['type']>(sim: Simulator, type: T, match?: (e: EventOf<T>) => boolean): Promise<EventOf<T>> {
  return (await nextEvents(sim, type, 1, match))[0]!;
}
