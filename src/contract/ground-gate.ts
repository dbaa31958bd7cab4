import type { Observable } from 'rxjs';

/**
 * What may happen only on the ground: firmware rollouts, the remote-support
 * tunnel, ground downloads. The avionics feature provides it as the
 * `groundGate` capability from the flight phase; without avionics the
 * controller uses the API's manual flag (technician-set `onGround`). A
 * refusal always says why, in words a crew member can read.
 */
export type GroundAction = 'rollout' | 'tunnel' | 'ground-download';

export type GateDecision = { allowed: true } | { allowed: false; reason: string };

export interface GroundGate {
  check(action: GroundAction): GateDecision;
  /** Emits whenever a decision may have changed (the phase, or the data behind it). */
  readonly changes$: Observable<void>;
}

declare module './capabilities.js' {
  interface Capabilities {
    groundGate: GroundGate;
  }
}
