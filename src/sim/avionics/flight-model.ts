import type { AirState } from './arinc-transmitter.js';

/**
 * A gate-to-gate flight, simple enough to read: parked with the door open,
 * taxi out, take-off roll, climb, cruise, descent, approach, touchdown,
 * landing roll, taxi in, parked with the door open again; then the return
 * leg. Stepped in flight seconds; the caller runs it at an accelerated clock.
 * Vertical rates are reported as they appear on the accelerated clock, so the
 * controller sees altitude and label 212 agree.
 */

export interface Airport {
  code: string;
  latitudeDeg: number;
  longitudeDeg: number;
  elevationFt: number;
}

export const AIRPORTS: Record<string, Airport> = {
  PTY: { code: 'PTY', latitudeDeg: 9.0714, longitudeDeg: -79.3835, elevationFt: 135 },
  BOG: { code: 'BOG', latitudeDeg: 4.7016, longitudeDeg: -74.1469, elevationFt: 8360 },
};

export interface FlightPlan {
  from: Airport;
  to: Airport;
  flightNumber: string;
  cruiseAltFt: number;
  /** Flight seconds parked before the door closes and pushback. */
  gateS: number;
  taxiS: number;
  /** Cruise at least this long, whatever the distance (the phase machine needs a level minute). */
  minCruiseS: number;
  /** Another leg back after arriving. */
  returnLeg: boolean;
}

export const DEFAULT_PLAN: FlightPlan = {
  from: AIRPORTS.PTY!,
  to: AIRPORTS.BOG!,
  flightNumber: 'CM123',
  cruiseAltFt: 35_000,
  gateS: 120,
  taxiS: 240,
  minCruiseS: 900,
  returnLeg: true,
};

export type Stage = 'gate' | 'taxi-out' | 'roll' | 'climb' | 'cruise' | 'descent' | 'approach' | 'landing-roll' | 'taxi-in' | 'arrived';

const CLIMB_FPM = 2500;
const DESCENT_FPM = 2000;
const APPROACH_FPM = 800;
const CRUISE_KT = 470;
const NM_PER_DEG = 60;

const rad = (d: number) => (d * Math.PI) / 180;
function bearingDeg(a: { latitudeDeg: number; longitudeDeg: number }, b: { latitudeDeg: number; longitudeDeg: number }): number {
  const y = Math.sin(rad(b.longitudeDeg - a.longitudeDeg)) * Math.cos(rad(b.latitudeDeg));
  const x = Math.cos(rad(a.latitudeDeg)) * Math.sin(rad(b.latitudeDeg)) - Math.sin(rad(a.latitudeDeg)) * Math.cos(rad(b.latitudeDeg)) * Math.cos(rad(b.longitudeDeg - a.longitudeDeg));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}
function distanceNm(a: { latitudeDeg: number; longitudeDeg: number }, b: { latitudeDeg: number; longitudeDeg: number }): number {
  const s = Math.sin(rad(b.latitudeDeg - a.latitudeDeg) / 2) ** 2 + Math.cos(rad(a.latitudeDeg)) * Math.cos(rad(b.latitudeDeg)) * Math.sin(rad(b.longitudeDeg - a.longitudeDeg) / 2) ** 2;
  return 2 * 3440.065 * Math.asin(Math.min(1, Math.sqrt(s)));
}

export class FlightModel {
  plan: FlightPlan;
  stage: Stage = 'gate';
  /** Flight seconds in the current stage. */
  inStage = 0;
  alt: number;
  rate = 0;
  gs = 0;
  heading: number;
  lat: number;
  lon: number;
  wow = true;
  door = true;
  keyline = false;
  legs = 0;

  constructor(plan: Partial<FlightPlan> = {}) {
    this.plan = { ...DEFAULT_PLAN, ...plan };
    this.alt = this.plan.from.elevationFt;
    this.lat = this.plan.from.latitudeDeg;
    this.lon = this.plan.from.longitudeDeg;
    this.heading = bearingDeg(this.plan.from, this.plan.to);
  }

  #here() {
    return { latitudeDeg: this.lat, longitudeDeg: this.lon };
  }

  #go(stage: Stage): void {
    this.stage = stage;
    this.inStage = 0;
  }

  /** Distance needed to get down from here to the destination's field, at the descent and approach rates. */
  #descentNm(): number {
    const drop = Math.max(0, this.alt - this.plan.to.elevationFt);
    return (drop / DESCENT_FPM / 60) * 320;
  }

  /** Advances `dt` flight seconds (keep it at a second or less). */
  step(dt: number): void {
    const p = this.plan;
    this.inStage += dt;
    this.rate = 0;
    switch (this.stage) {
      case 'gate':
        this.gs = 0;
        this.door = this.inStage < p.gateS * 0.75;
        // The purser's welcome on the PA, keyed from the flight deck for a few seconds before pushback.
        this.keyline = this.inStage > p.gateS * 0.8 && this.inStage < p.gateS * 0.9;
        if (this.inStage >= p.gateS) this.#go('taxi-out');
        break;
      case 'taxi-out':
        this.door = false;
        this.keyline = false;
        this.gs = Math.min(15, this.gs + 2 * dt);
        if (this.inStage >= p.taxiS) this.#go('roll');
        break;
      case 'roll':
        this.gs = Math.min(155, this.gs + 3 * dt);
        if (this.gs >= 155) {
          this.wow = false;
          this.#go('climb');
        }
        break;
      case 'climb':
        this.rate = CLIMB_FPM;
        this.alt = Math.min(p.cruiseAltFt, this.alt + (CLIMB_FPM / 60) * dt);
        this.gs = 155 + ((CRUISE_KT - 155) * (this.alt - p.from.elevationFt)) / (p.cruiseAltFt - p.from.elevationFt);
        if (this.alt >= p.cruiseAltFt) this.#go('cruise');
        break;
      case 'cruise':
        this.gs = CRUISE_KT;
        if (this.inStage >= p.minCruiseS && distanceNm(this.#here(), p.to) <= this.#descentNm()) this.#go('descent');
        break;
      case 'descent': {
        this.rate = -DESCENT_FPM;
        this.alt = Math.max(p.to.elevationFt + 3000, this.alt - (DESCENT_FPM / 60) * dt);
        this.gs = Math.max(210, this.gs - 0.3 * dt);
        if (this.alt <= p.to.elevationFt + 3000) this.#go('approach');
        break;
      }
      case 'approach':
        this.rate = -APPROACH_FPM;
        this.alt = Math.max(p.to.elevationFt, this.alt - (APPROACH_FPM / 60) * dt);
        this.gs = Math.max(140, this.gs - 1 * dt);
        if (this.alt <= p.to.elevationFt) {
          this.rate = 0;
          this.wow = true;
          this.#go('landing-roll');
        }
        break;
      case 'landing-roll':
        this.gs = Math.max(15, this.gs - 2 * dt);
        if (this.gs <= 15) this.#go('taxi-in');
        break;
      case 'taxi-in':
        if (this.inStage >= p.taxiS) {
          this.gs = 0;
          this.door = true;
          this.#go('arrived');
        }
        break;
      case 'arrived':
        this.gs = 0;
        if (this.inStage >= p.gateS && p.returnLeg) {
          this.legs++;
          this.plan = { ...p, from: p.to, to: p.from };
          this.heading = bearingDeg(this.plan.from, this.plan.to);
          this.#go('gate');
          this.inStage = p.gateS * 0.5;
        }
        break;
    }
    if (this.stage !== 'gate' && this.stage !== 'arrived' && this.stage !== 'taxi-out' && this.stage !== 'taxi-in') this.heading = bearingDeg(this.#here(), p.to);
    // Taxiing goes nowhere on the map: the airport is a point at this scale.
    if (!this.wow || this.stage === 'roll' || this.stage === 'landing-roll') {
      const nm = (this.gs * dt) / 3600;
      this.lat += (nm * Math.cos(rad(this.heading))) / NM_PER_DEG;
      this.lon += (nm * Math.sin(rad(this.heading))) / (NM_PER_DEG * Math.max(0.1, Math.cos(rad(this.lat))));
    }
  }

  /** The systems' view, with label 212 as the accelerated clock shows the climb. */
  state(utcMs: number, speed: number): AirState {
    const isaC = Math.max(-56.5, 15 - (1.98 * this.alt) / 1000);
    const tas = this.wow ? this.gs : this.gs + 10;
    return {
      pressureAltitudeFt: this.alt,
      altitudeRateFpm: this.rate * speed,
      groundSpeedKt: this.gs,
      computedAirspeedKt: tas / (1 + this.alt / 50_000),
      trueAirspeedKt: tas,
      trueHeadingDeg: this.heading,
      latitudeDeg: this.lat,
      longitudeDeg: this.lon,
      staticAirTempC: isaC,
      windSpeedKt: this.wow ? 5 : 30,
      windAngleDeg: 270,
      discretes270: (this.wow ? 1 : 0) | (this.door ? 2 : 0) | (this.keyline ? 4 : 0),
      flightNumber: this.plan.flightNumber,
      utcMs,
    };
  }
}
