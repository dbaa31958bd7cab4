import { describeEvidence, type FlightPhase, type PhaseState } from './flight-phase.js';

/**
 * What may run in which phase. Pure: `gate(action, phaseState)` answers from
 * the phase alone, with a refusal a crew member can read. Only ground phases
 * can allow anything, and only with `onGround` true: an unknown phase is
 * airborne.
 */

export type GatedAction = 'rollout' | 'tunnel' | 'ground-download';

export type GateDecision = { allowed: true } | { allowed: false; reason: string };

export type GatePolicy = Readonly<Record<GatedAction, readonly FlightPhase[]>>;

export const DEFAULT_GATE_POLICY: GatePolicy = {
  /** Seat firmware: only parked at the gate, never while taxiing. */
  rollout: ['gate'],
  /** The maintenance tunnel to the hangar: only parked at the gate. */
  tunnel: ['gate'],
  /** Content from the ground link: at the gate, or taxiing in once the link comes up. */
  'ground-download': ['gate', 'taxi-in'],
};

const WHAT: Record<GatedAction, string> = {
  rollout: 'a firmware rollout',
  tunnel: 'the maintenance tunnel',
  'ground-download': 'a ground download',
};

const PHASE_WORDS: Record<FlightPhase, string> = {
  gate: 'at the gate',
  'taxi-out': 'taxiing out',
  takeoff: 'taking off',
  climb: 'in climb',
  cruise: 'in cruise',
  descent: 'in descent',
  approach: 'on approach',
  landed: 'on the landing roll',
  'taxi-in': 'taxiing in',
  unknown: 'in an unknown phase',
};

export function gate(action: GatedAction, s: PhaseState, policy: GatePolicy = DEFAULT_GATE_POLICY): GateDecision {
  const allowedIn = policy[action];
  if (s.phase === 'unknown') {
    return { allowed: false, reason: `${WHAT[action]} waits: the flight phase is unknown (${s.reason})` };
  }
  if (!allowedIn.includes(s.phase) || !s.onGround) {
    return {
      allowed: false,
      reason: `${WHAT[action]} is allowed only ${allowedIn.map((p) => PHASE_WORDS[p]).join(' or ')}: the aircraft is ${PHASE_WORDS[s.phase]} (${describeEvidence(s.evidence)})`,
    };
  }
  return { allowed: true };
}
