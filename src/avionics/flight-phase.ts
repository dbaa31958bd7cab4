import type { DiscreteValue } from './discretes.js';

/**
 * The flight phase: a pure state machine over fresh avionics values and
 * discretes. `nextPhase(prev, input)` is the whole of it; the caller feeds it
 * every tick (about once a second) with values already freed of stale ones
 * (null = no fresh value).
 *
 * Fail safe first: `onGround` is true only when weight on wheels says ground
 * AND ground speed, altitude and vertical rate agree (each fresh, each within
 * what an aircraft on the ground can show). Stale, faulted or contradictory
 * data means airborne. Leaving the ground is immediate; arriving on it needs
 * the evidence to hold for `groundConfirmMs`. So a weight-on-wheels switch
 * that sticks "on ground" at cruise changes nothing: 35,000 ft and 450 kt
 * contradict it.
 *
 * Hysteresis: climb/descent -> cruise needs the altitude to stay within
 * `levelBandFt` for `levelDwellMs`; cruise is left only when the altitude
 * leaves the cruise altitude by more than `cruiseBandFt`. Altitude noise of
 * a few tens of feet never flaps climb/cruise.
 */

export type FlightPhase =
  | 'gate'
  | 'taxi-out'
  | 'takeoff'
  | 'climb'
  | 'cruise'
  | 'descent'
  | 'approach'
  | 'landed'
  | 'taxi-in'
  | 'unknown';

export const GROUND_PHASES: ReadonlySet<FlightPhase> = new Set(['gate', 'taxi-out', 'landed', 'taxi-in']);

export interface PhaseInput {
  /** Monotonic ms. */
  now: number;
  /** Fresh pressure altitude (label 203), or null. */
  altitudeFt: number | null;
  /** Fresh ground speed (label 312), or null. */
  groundSpeedKt: number | null;
  /** Fresh altitude rate (label 212), or null: then derived from the altitude. */
  altitudeRateFpm: number | null;
  weightOnWheels: DiscreteValue;
  /** Optional: a cabin door open while stopped means the gate at once. */
  doorOpen?: DiscreteValue;
}

export interface PhaseConfig {
  /** Ground speed above which a stopped aircraft is taxiing. */
  taxiStartKt: number;
  /** Ground speed below which it counts as stopped. */
  stoppedKt: number;
  /** Stopped this long (no door signal) after a taxi is the gate. Long: a holding point is not a gate. */
  gateDwellMs: number;
  /** Ground speed of a take-off roll. */
  takeoffRollKt: number;
  /** Below this after landing, the landing roll is over: taxi-in. */
  taxiInBelowKt: number;
  /** On-ground evidence limits: nothing on the ground goes faster, higher (La Paz is ~13,300 ft) or climbs faster. */
  maxGroundSpeedOnGroundKt: number;
  maxAltitudeOnGroundFt: number;
  maxRateOnGroundFpm: number;
  groundConfirmMs: number;
  /** Above the take-off altitude by this much, take-off becomes climb. */
  takeoffEndAboveFt: number;
  climbRateFpm: number;
  levelBandFt: number;
  levelDwellMs: number;
  cruiseBandFt: number;
  /** Descending below this pressure altitude is the approach. */
  approachBelowFt: number;
  /** Climbing this far above the lowest approach altitude is a go-around: climb. */
  goAroundFt: number;
  /** Window over which the vertical rate is derived when label 212 is absent. */
  rateWindowMs: number;
}

export const DEFAULT_PHASE_CONFIG: PhaseConfig = {
  taxiStartKt: 5,
  stoppedKt: 2,
  gateDwellMs: 180_000,
  takeoffRollKt: 50,
  taxiInBelowKt: 40,
  maxGroundSpeedOnGroundKt: 200,
  maxAltitudeOnGroundFt: 15_000,
  maxRateOnGroundFpm: 1000,
  groundConfirmMs: 3000,
  takeoffEndAboveFt: 1500,
  climbRateFpm: 500,
  levelBandFt: 300,
  levelDwellMs: 60_000,
  cruiseBandFt: 1000,
  approachBelowFt: 10_000,
  goAroundFt: 1000,
  rateWindowMs: 10_000,
};

export interface PhaseEvidence {
  weightOnWheels: DiscreteValue;
  altitudeFt: number | null;
  groundSpeedKt: number | null;
  verticalRateFpm: number | null;
}

interface Memo {
  flown: boolean;
  takeoffAltFt: number | null;
  cruiseAltFt: number | null;
  level: { alt: number; since: number } | null;
  rateRef: { alt: number; at: number } | null;
  derivedRate: number | null;
  groundSince: number | null;
  stoppedSince: number | null;
  lowestApproachFt: number | null;
}

export interface PhaseState {
  phase: FlightPhase;
  onGround: boolean;
  /** Why, in words a crew member reads. */
  reason: string;
  /** Monotonic ms when `phase` last changed. */
  since: number;
  evidence: PhaseEvidence;
  /** The machine's own memory; opaque to callers. */
  memo: Memo;
}

export function initialPhaseState(now: number): PhaseState {
  return {
    phase: 'unknown',
    onGround: false,
    reason: 'no avionics data yet: treated as airborne',
    since: now,
    evidence: { weightOnWheels: 'unknown', altitudeFt: null, groundSpeedKt: null, verticalRateFpm: null },
    memo: {
      flown: false,
      takeoffAltFt: null,
      cruiseAltFt: null,
      level: null,
      rateRef: null,
      derivedRate: null,
      groundSince: null,
      stoppedSince: null,
      lowestApproachFt: null,
    },
  };
}

const ft = (n: number): string => `${Math.round(n).toLocaleString('en-US')} ft`;
const kt = (n: number): string => `${Math.round(n)} kt`;

/** Human description of the evidence: "weight off wheels, 35,000 ft, 450 kt". */
export function describeEvidence(e: PhaseEvidence): string {
  const parts = [
    e.weightOnWheels === 'on' ? 'weight on wheels' : e.weightOnWheels === 'off' ? 'weight off wheels' : 'weight on wheels unknown',
  ];
  if (e.altitudeFt !== null) parts.push(ft(e.altitudeFt));
  if (e.groundSpeedKt !== null) parts.push(kt(e.groundSpeedKt));
  return parts.join(', ');
}

/** `missing`: not ground for lack of evidence (a stale or unknown input), rather than because something says airborne. */
function groundEvidence(i: PhaseInput, rate: number | null, c: PhaseConfig): { ok: boolean; why: string; missing?: boolean } {
  if (i.weightOnWheels === 'off') return { ok: false, why: 'weight off wheels' };
  if (i.weightOnWheels === 'unknown') return { ok: false, why: 'weight on wheels unknown', missing: true };
  if (i.groundSpeedKt === null) return { ok: false, why: 'weight on wheels, but no fresh ground speed to confirm it', missing: true };
  if (i.altitudeFt === null) return { ok: false, why: 'weight on wheels, but no fresh altitude to confirm it', missing: true };
  if (i.groundSpeedKt > c.maxGroundSpeedOnGroundKt)
    return { ok: false, why: `weight on wheels contradicted by ground speed ${kt(i.groundSpeedKt)}` };
  if (i.altitudeFt > c.maxAltitudeOnGroundFt) return { ok: false, why: `weight on wheels contradicted by altitude ${ft(i.altitudeFt)}` };
  if (rate !== null && Math.abs(rate) > c.maxRateOnGroundFpm)
    return { ok: false, why: `weight on wheels contradicted by vertical rate ${Math.round(rate)} ft/min` };
  return { ok: true, why: 'weight on wheels, confirmed by ground speed and altitude' };
}

export function nextPhase(prev: PhaseState, input: PhaseInput, config: Partial<PhaseConfig> = {}): PhaseState {
  const c: PhaseConfig = { ...DEFAULT_PHASE_CONFIG, ...config };
  const now = input.now;
  const m: Memo = { ...prev.memo };
  const alt = input.altitudeFt;
  const gs = input.groundSpeedKt;

  // Vertical rate: label 212 when fresh, else derived over rateWindowMs.
  if (alt === null) {
    m.rateRef = null;
    m.derivedRate = null;
    m.level = null;
  } else {
    if (!m.rateRef) m.rateRef = { alt, at: now };
    else if (now - m.rateRef.at >= c.rateWindowMs) {
      m.derivedRate = ((alt - m.rateRef.alt) / (now - m.rateRef.at)) * 60_000;
      m.rateRef = { alt, at: now };
    }
    if (!m.level || Math.abs(alt - m.level.alt) > c.levelBandFt) m.level = { alt, since: now };
  }
  const rate = input.altitudeRateFpm ?? m.derivedRate;
  const evidence: PhaseEvidence = { weightOnWheels: input.weightOnWheels, altitudeFt: alt, groundSpeedKt: gs, verticalRateFpm: rate };

  const to = (phase: FlightPhase, onGround: boolean, reason: string): PhaseState => ({
    phase,
    onGround,
    reason,
    since: phase === prev.phase ? prev.since : now,
    evidence,
    memo: m,
  });

  // Unknown: too little fresh data to say anything. Airborne, by rule.
  const stale: string[] = [];
  if (alt === null) stale.push('altitude');
  if (gs === null && input.weightOnWheels === 'unknown') stale.push('ground speed and weight on wheels');
  if (stale.length > 0) {
    m.groundSince = null;
    m.stoppedSince = null;
    return to('unknown', false, `avionics data stale (${stale.join(', ')}): treated as airborne`);
  }

  const g = groundEvidence(input, rate, c);
  if (g.ok) m.groundSince ??= now;
  else m.groundSince = null;
  const onGround = g.ok && (prev.onGround || now - m.groundSince! >= c.groundConfirmMs);

  if (onGround) {
    m.lowestApproachFt = null;
    m.cruiseAltFt = null;
    const speed = gs!;
    if (speed < c.stoppedKt) m.stoppedSince ??= now;
    else m.stoppedSince = null;
    const parked = m.stoppedSince !== null && (input.doorOpen === 'on' || now - m.stoppedSince >= c.gateDwellMs);
    const wasAirborne = !prev.onGround && prev.phase !== 'unknown';
    m.takeoffAltFt = alt;
    switch (prev.phase) {
      case 'gate':
        if (speed >= c.taxiStartKt) return to('taxi-out', true, `${g.why}, taxiing at ${kt(speed)}`);
        return to('gate', true, `${g.why}, parked`);
      case 'taxi-out':
        if (speed >= c.takeoffRollKt) return to('takeoff', true, `take-off roll at ${kt(speed)}`);
        if (parked) return to('gate', true, `${g.why}, parked`);
        return to('taxi-out', true, `${g.why}, taxiing`);
      case 'takeoff':
        if (wasAirborne) break; // landed again: handled below
        if (speed < c.taxiInBelowKt && !m.flown) return to('taxi-out', true, `take-off rejected, ${kt(speed)}`);
        return to('takeoff', true, `take-off roll at ${kt(speed)}`);
      case 'landed':
        if (speed < c.taxiInBelowKt) return to('taxi-in', true, `${g.why}, taxiing in`);
        return to('landed', true, `landing roll at ${kt(speed)}`);
      case 'taxi-in':
        if (parked) {
          m.flown = false;
          return to('gate', true, `${g.why}, parked`);
        }
        return to('taxi-in', true, `${g.why}, taxiing in`);
      default:
        break;
    }
    if (wasAirborne || (prev.phase === 'takeoff' && m.flown)) {
      m.flown = true;
      return to('landed', true, `touchdown: ${g.why}`);
    }
    // From unknown (start-up, or data back after an outage).
    if (speed >= c.takeoffRollKt) return m.flown ? to('landed', true, `landing roll at ${kt(speed)}`) : to('takeoff', true, `take-off roll at ${kt(speed)}`);
    if (speed >= c.taxiStartKt) return m.flown ? to('taxi-in', true, `${g.why}, taxiing in`) : to('taxi-out', true, `${g.why}, taxiing`);
    return to('gate', true, `${g.why}, stopped`);
  }

  // Airborne (or treated as such).
  m.stoppedSince = null;
  const a = alt!;
  const level = m.level !== null && now - m.level.since >= c.levelDwellMs;
  const climbing = rate !== null && rate > c.climbRateFpm;
  const descending = rate !== null && rate < -c.climbRateFpm;
  const airborneWhy = g.why;
  const ctx = `${airborneWhy}, ${ft(a)}`;
  // Ground evidence not yet held for groundConfirmMs: nothing changes until it has.
  if (g.ok) return to(prev.phase, false, prev.phase === 'unknown' ? `${g.why}, confirming: treated as airborne` : `touchdown? ${g.why}, confirming`);
  // A sensor gone quiet on the ground (or before anything was known) is not a take-off: unknown, airborne for gating.
  if (g.missing && (prev.onGround || prev.phase === 'unknown')) return to('unknown', false, `${ctx}: treated as airborne`);

  switch (prev.phase) {
    case 'gate':
    case 'taxi-out':
    case 'landed':
    case 'taxi-in':
      m.flown = true;
      return to('takeoff', false, `lift-off: ${ctx}`);
    case 'takeoff':
      m.flown = true;
      if (m.takeoffAltFt === null || a > m.takeoffAltFt + c.takeoffEndAboveFt) return to('climb', false, `climbing: ${ctx}`);
      return to('takeoff', false, `initial climb: ${ctx}`);
    case 'climb':
      if (level) {
        m.cruiseAltFt = a;
        return to('cruise', false, `level: ${ctx}`);
      }
      if (descending) return to(a < c.approachBelowFt ? 'approach' : 'descent', false, `descending: ${ctx}`);
      return to('climb', false, `climbing: ${ctx}`);
    case 'cruise': {
      const ref = m.cruiseAltFt ?? a;
      m.cruiseAltFt = ref;
      if (a > ref + c.cruiseBandFt) return to('climb', false, `climbing from ${ft(ref)}: ${ctx}`);
      if (a < ref - c.cruiseBandFt) return to(a < c.approachBelowFt ? 'approach' : 'descent', false, `descending from ${ft(ref)}: ${ctx}`);
      return to('cruise', false, `level: ${ctx}`);
    }
    case 'descent':
      if (a < c.approachBelowFt) {
        m.lowestApproachFt = a;
        return to('approach', false, `approach: ${ctx}`);
      }
      if (level) {
        m.cruiseAltFt = a;
        return to('cruise', false, `level: ${ctx}`);
      }
      if (climbing) return to('climb', false, `climbing: ${ctx}`);
      return to('descent', false, `descending: ${ctx}`);
    case 'approach':
      m.lowestApproachFt = Math.min(m.lowestApproachFt ?? a, a);
      if (a > m.lowestApproachFt + c.goAroundFt) return to('climb', false, `go-around: ${ctx}`);
      return to('approach', false, `approach: ${ctx}`);
    case 'unknown':
      break;
  }
  // From unknown, airborne: decide from the trend once there is one.
  m.flown = true;
  if (level) {
    m.cruiseAltFt = a;
    return to('cruise', false, `level: ${ctx}`);
  }
  if (climbing) return to('climb', false, `climbing: ${ctx}`);
  if (descending) {
    if (a < c.approachBelowFt) m.lowestApproachFt = a;
    return to(a < c.approachBelowFt ? 'approach' : 'descent', false, `descending: ${ctx}`);
  }
  return to('unknown', false, `${ctx}, vertical trend not yet known: treated as airborne`);
}
