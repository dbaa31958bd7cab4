import type { DecodedParameter, ParameterKey } from '../../protocols/arinc429/index.js';

/**
 * Folds decoded words into what the cabin shows and the phase machine reads:
 * the latest value of each parameter with its age. A value older than its
 * staleness limit is dropped from the snapshot, never shown as current.
 * Ages are monotonic milliseconds: the wall clock may jump.
 */

export interface Aged<T> {
  value: T;
  ageMs: number;
}

export interface AvionicsDate {
  day: number;
  month: number;
  /** Four digits: the word carries two, 20yy is assumed. */
  year: number;
}

export interface FlightInfo {
  latitudeDeg?: Aged<number>;
  longitudeDeg?: Aged<number>;
  pressureAltitudeFt?: Aged<number>;
  altitudeRateFpm?: Aged<number>;
  groundSpeedKt?: Aged<number>;
  computedAirspeedKt?: Aged<number>;
  trueAirspeedKt?: Aged<number>;
  trueHeadingDeg?: Aged<number>;
  staticAirTempC?: Aged<number>;
  windSpeedKt?: Aged<number>;
  windAngleDeg?: Aged<number>;
  /** Minutes since 00:00 UTC, to the tenth. */
  utcMinutes?: Aged<number>;
  date?: Aged<AvionicsDate>;
  flightNumber?: Aged<string>;
}

type NumericKey = Exclude<keyof FlightInfo, 'date' | 'flightNumber'>;
const NUMERIC: readonly NumericKey[] = [
  'latitudeDeg',
  'longitudeDeg',
  'pressureAltitudeFt',
  'altitudeRateFpm',
  'groundSpeedKt',
  'computedAirspeedKt',
  'trueAirspeedKt',
  'trueHeadingDeg',
  'staticAirTempC',
  'windSpeedKt',
  'windAngleDeg',
  'utcMinutes',
];

export type StaleLimits = Record<NumericKey | 'date' | 'flightNumber', number>;

/**
 * A few times the labels' maximum transmit intervals (ARINC 429 Part 1:
 * 62.5 ms for altitude, 250-500 ms for temperature, ~1 s for UTC and date),
 * with room for an adapter that batches.
 */
export const DEFAULT_STALE_MS: StaleLimits = {
  latitudeDeg: 2000,
  longitudeDeg: 2000,
  pressureAltitudeFt: 2000,
  altitudeRateFpm: 2000,
  groundSpeedKt: 2000,
  computedAirspeedKt: 2000,
  trueAirspeedKt: 2000,
  trueHeadingDeg: 2000,
  staticAirTempC: 5000,
  windSpeedKt: 5000,
  windAngleDeg: 5000,
  utcMinutes: 10_000,
  date: 30_000,
  flightNumber: 30_000,
};

const FLIGHT_PIECES: readonly ParameterKey[] = ['flightNumber1', 'flightNumber2', 'flightNumber3', 'flightNumber4'];

export function dateFromBcd(ddmmyy: number): AvionicsDate | null {
  const day = Math.floor(ddmmyy / 10000);
  const month = Math.floor(ddmmyy / 100) % 100;
  const year = 2000 + (ddmmyy % 100);
  if (day < 1 || day > 31 || month < 1 || month > 12) return null;
  return { day, month, year };
}

export class FlightInfoFolder {
  readonly #limits: StaleLimits;
  readonly #numbers = new Map<NumericKey, { value: number; at: number }>();
  #date: { value: AvionicsDate; at: number } | null = null;
  readonly #pieces = new Map<ParameterKey, { text: string; at: number }>();

  constructor(staleMs: Partial<StaleLimits> = {}) {
    this.#limits = { ...DEFAULT_STALE_MS, ...staleMs };
  }

  /** `now` is monotonic ms. Unknown keys (discretes) are ignored here. */
  apply(p: DecodedParameter, now: number): void {
    if (p.format === 'ISO5') {
      if (FLIGHT_PIECES.includes(p.key)) this.#pieces.set(p.key, { text: p.text, at: now });
      return;
    }
    if (p.format === 'discrete') return;
    if (p.key === 'date') {
      const d = dateFromBcd(p.value);
      if (d) this.#date = { value: d, at: now };
      return;
    }
    if ((NUMERIC as readonly string[]).includes(p.key)) this.#numbers.set(p.key as NumericKey, { value: p.value, at: now });
  }

  snapshot(now: number): FlightInfo {
    const info: FlightInfo = {};
    for (const [key, v] of this.#numbers) {
      const age = now - v.at;
      if (age <= this.#limits[key]) info[key] = { value: v.value, ageMs: age };
    }
    if (this.#date && now - this.#date.at <= this.#limits.date) info.date = { value: this.#date.value, ageMs: now - this.#date.at };
    // The flight number is whole or absent: a piece gone stale would show a wrong flight.
    const pieces = FLIGHT_PIECES.map((k) => this.#pieces.get(k));
    const firstPiece = pieces[0];
    // Every piece, fresh: "CM" shown while "12" and "3" are on their way would be a wrong flight too (a short number's pieces come as NULs).
    if (firstPiece && pieces.every((p) => p && now - p.at <= this.#limits.flightNumber)) {
      const text = pieces.map((p) => p?.text ?? '').join('').trim();
      const age = Math.max(...pieces.map((p) => (p ? now - p.at : 0)));
      if (text !== '') info.flightNumber = { value: text, ageMs: age };
    }
    return info;
  }
}
