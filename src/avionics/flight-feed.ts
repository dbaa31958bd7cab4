import type { Clock } from '../../core/clock.js';
import type { Aged, FlightInfo } from './flight-info.js';
import type { PhaseState } from './flight-phase.js';

/**
 * What seats show on the moving map (GET /seat/v1/flight, docs/protocol.md):
 * a snapshot computed at most once per `maxAgeMs` and served as the same
 * serialized bytes to every seat asking in between, so 300 seats polling at
 * 1 Hz cost one snapshot a second. Values are absent (null) when not fresh,
 * never shown stale; each carries its age as of `at`.
 */

export interface Destination {
  name: string;
  latitudeDeg: number;
  longitudeDeg: number;
}

export interface FlightFeedV1 {
  version: 1;
  /** Head-end wall ms the snapshot was taken; every ageMs is as of then. */
  at: number;
  flightNumber: Aged<string> | null;
  phase: { value: PhaseState['phase']; onGround: boolean };
  position: { latitudeDeg: number; longitudeDeg: number; ageMs: number } | null;
  altitudeFt: Aged<number> | null;
  groundSpeedKt: Aged<number> | null;
  headingDeg: Aged<number> | null;
  outsideTempC: Aged<number> | null;
  /** Great-circle distance to the configured destination at the current ground speed; null below 50 kt or without a position. */
  timeToDestination: { minutes: number; distanceNm: number; destination: string; ageMs: number } | null;
}

export interface FlightFeedSource {
  info(): FlightInfo;
  phase(): PhaseState;
  destination?: Destination;
}

const EARTH_RADIUS_NM = 3440.065;
const rad = (d: number) => (d * Math.PI) / 180;

/** Haversine distance in nautical miles. */
export function greatCircleNm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * EARTH_RADIUS_NM * Math.asin(Math.min(1, Math.sqrt(a)));
}

const round = (v: Aged<number> | undefined, step: number): Aged<number> | null =>
  v ? { value: Math.round(v.value / step) * step, ageMs: Math.round(v.ageMs) } : null;

export function flightFeedOf(src: FlightFeedSource, wallNow: number): FlightFeedV1 {
  const info = src.info();
  const phase = src.phase();
  const lat = info.latitudeDeg;
  const lon = info.longitudeDeg;
  const position = lat && lon ? { latitudeDeg: Number(lat.value.toFixed(4)), longitudeDeg: Number(lon.value.toFixed(4)), ageMs: Math.round(Math.max(lat.ageMs, lon.ageMs)) } : null;
  let timeToDestination: FlightFeedV1['timeToDestination'] = null;
  const gs = info.groundSpeedKt;
  if (src.destination && lat && lon && gs && gs.value >= 50) {
    const d = src.destination;
    const distanceNm = greatCircleNm(lat.value, lon.value, d.latitudeDeg, d.longitudeDeg);
    timeToDestination = { minutes: Math.round((distanceNm / gs.value) * 60), distanceNm: Math.round(distanceNm), destination: d.name, ageMs: Math.round(Math.max(lat.ageMs, lon.ageMs, gs.ageMs)) };
  }
  return {
    version: 1,
    at: wallNow,
    flightNumber: info.flightNumber ? { value: info.flightNumber.value, ageMs: Math.round(info.flightNumber.ageMs) } : null,
    phase: { value: phase.phase, onGround: phase.onGround },
    position,
    altitudeFt: round(info.pressureAltitudeFt, 1),
    groundSpeedKt: round(gs, 1),
    headingDeg: round(info.trueHeadingDeg, 1),
    outsideTempC: round(info.staticAirTempC, 0.25),
    timeToDestination,
  };
}

/** The cached snapshot: recomputed when older than maxAgeMs (monotonic), else the same object and bytes. */
export class FlightFeed {
  #cached: { mono: number; value: FlightFeedV1; json: string } | null = null;
  #computed = 0;

  constructor(
    private readonly src: FlightFeedSource,
    private readonly clock: Clock,
    private readonly maxAgeMs = 1000,
  ) {}

  get(): { value: FlightFeedV1; json: string } {
    const now = this.clock.mono();
    if (!this.#cached || now - this.#cached.mono >= this.maxAgeMs) {
      const value = flightFeedOf(this.src, this.clock.wall());
      this.#cached = { mono: now, value, json: JSON.stringify(value) };
      this.#computed++;
    }
    return this.#cached;
  }

  /** The next get() computes afresh (the phase changed: seats must not see the old one for up to a second). */
  invalidate(): void {
    this.#cached = null;
  }

  /** Snapshots computed so far (tests check the cache holds). */
  get computed(): number {
    return this.#computed;
  }
}
