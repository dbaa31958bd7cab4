import { filter, map, merge, type Observable } from 'rxjs';
import type { GateDecision, GroundAction, GroundGate } from '../contract/ground-gate.js';
import { gate, type GatePolicy } from './gating.js';
import type { AvionicsPipeline } from './pipeline.js';

const WHAT: Record<GroundAction, string> = {
  rollout: 'a firmware rollout',
  tunnel: 'the maintenance tunnel',
  'ground-download': 'a ground download',
};

/**
 * The `groundGate` capability from the flight phase (gating.ts), plus one
 * fail-safe shortcut: a raw "weight off wheels" sample closes the gate at
 * once, before the debounce and the next tick confirm it. Nothing raw ever
 * opens it: that takes the debounced discrete, agreeing ground speed,
 * altitude and vertical rate, held for the phase machine's confirm time.
 */
export class PhaseGroundGate implements GroundGate {
  readonly changes$: Observable<void>;

  constructor(
    private readonly pipeline: AvionicsPipeline,
    private readonly weightOnWheels: string,
    /** Why there is no phase to trust (the feed is not running), or null. */
    private readonly notRunning: () => string | null,
    private readonly policy?: GatePolicy,
  ) {
    this.changes$ = merge(pipeline.phase$, pipeline.rawEdges$.pipe(filter((n) => n === weightOnWheels))).pipe(map(() => undefined));
  }

  check(action: GroundAction): GateDecision {
    const down = this.notRunning();
    if (down) return { allowed: false, reason: `${WHAT[action]} waits: ${down}` };
    const s = this.pipeline.phase();
    if (s.onGround && this.pipeline.rawDiscrete(this.weightOnWheels) !== true) {
      return { allowed: false, reason: `${WHAT[action]} waits: weight on wheels just went off (the aircraft may be leaving the ground)` };
    }
    return gate(action, s, this.policy);
  }
}
