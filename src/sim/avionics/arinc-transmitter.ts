import type { Clock } from '../../../core/clock.js';
import { systemClock } from '../../../core/clock.js';
import {
  encodeAsciiLine,
  encodeBinaryFrame,
  encodeByKey,
  flightNumberPieces,
  labelTable,
  type FramingName,
  type ParameterKey,
} from '../../../protocols/arinc429/index.js';

/** What the simulated aircraft's systems say at one instant. */
export interface AirState {
  pressureAltitudeFt: number;
  /** As the air data computer sends it (label 212). */
  altitudeRateFpm: number;
  groundSpeedKt: number;
  computedAirspeedKt: number;
  trueAirspeedKt: number;
  trueHeadingDeg: number;
  latitudeDeg: number;
  longitudeDeg: number;
  staticAirTempC: number;
  windSpeedKt: number;
  windAngleDeg: number;
  /** Discretes: the bits of label 270 (bit 11 = weight on wheels, 12 door open, 13 PA keyline, ...). */
  discretes270: number;
  flightNumber: string;
  /** Epoch ms of the avionics clock (labels 125 and 260). */
  utcMs: number;
}

/** An aircraft at the gate in Panama (PTY): on the ground, door open, flight CM123. */
export function atTheGate(utcMs = Date.now()): AirState {
  return {
    pressureAltitudeFt: 100,
    altitudeRateFpm: 0,
    groundSpeedKt: 0,
    computedAirspeedKt: 0,
    trueAirspeedKt: 0,
    trueHeadingDeg: 90,
    latitudeDeg: 9.0714,
    longitudeDeg: -79.3835,
    staticAirTempC: 28,
    windSpeedKt: 5,
    windAngleDeg: 270,
    discretes270: 0b11, // weight on wheels, door open: at the gate at once
    flightNumber: 'CM123',
    utcMs,
  };
}

/**
 * Words per second per label, after the transmit intervals of ARINC 429
 * Part 1 Attachment 2 (e.g. altitude 31-62 ms, position 100-200 ms, UTC
 * about 1 s): about 160 words a second in all.
 */
export const DEFAULT_RATES: Readonly<Partial<Record<ParameterKey, number>>> = {
  pressureAltitudeFt: 20,
  altitudeRateFpm: 16,
  computedAirspeedKt: 16,
  trueAirspeedKt: 16,
  groundSpeedKt: 20,
  trueHeadingDeg: 20,
  latitudeDeg: 5,
  longitudeDeg: 5,
  staticAirTempC: 4,
  windSpeedKt: 5,
  windAngleDeg: 5,
  utcMinutes: 2,
  date: 1,
  flightNumber1: 1,
  flightNumber2: 1,
  flightNumber3: 1,
  flightNumber4: 1,
  discrete1: 10,
};

const table = labelTable();
const PIECES: ParameterKey[] = ['flightNumber1', 'flightNumber2', 'flightNumber3', 'flightNumber4'];

/** The word for one label from the state. */
export function wordFor(key: ParameterKey, s: AirState): number {
  const d = new Date(s.utcMs);
  switch (key) {
    case 'utcMinutes':
      return encodeByKey(table, key, Math.floor((d.getUTCHours() * 60 + d.getUTCMinutes() + d.getUTCSeconds() / 60) * 10) / 10);
    case 'date':
      return encodeByKey(table, key, d.getUTCDate() * 10000 + (d.getUTCMonth() + 1) * 100 + (d.getUTCFullYear() % 100));
    case 'discrete1':
      return encodeByKey(table, key, s.discretes270);
    default: {
      const piece = PIECES.indexOf(key);
      if (piece >= 0) return encodeByKey(table, key, flightNumberPieces(s.flightNumber)[piece] ?? '');
      return encodeByKey(table, key, s[key as keyof AirState] as number);
    }
  }
}

export interface ArincTransmitterOptions {
  /** Where the adapter's bytes go (the adapter end of a pty). */
  write(bytes: Buffer): void;
  state(): AirState;
  framing?: FramingName;
  rates?: Partial<Record<ParameterKey, number>>;
  /** Scheduling period; words due in a period go out together, as an adapter's FIFO would hand them over. */
  tickMs?: number;
  clock?: Clock;
}

/**
 * Plays an ARINC-to-serial adapter: every label at its own rate, each word
 * encoded by protocols/arinc429 and framed as the adapter would.
 */
export class ArincTransmitter {
  readonly #o: ArincTransmitterOptions;
  readonly #clock: Clock;
  readonly #due = new Map<ParameterKey, number>();
  #timer: NodeJS.Timeout | undefined;
  #last = 0;
  words = 0;

  constructor(opts: ArincTransmitterOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  start(): void {
    if (this.#timer) return;
    this.#last = this.#clock.mono();
    this.#timer = setInterval(() => this.#tick(), this.#o.tickMs ?? 50);
    this.#timer.unref?.();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Sends every label once now (tests: "the aircraft says this, right away"). */
  burst(): void {
    const s = this.#o.state();
    const keys = Object.keys(this.#o.rates ?? DEFAULT_RATES) as ParameterKey[];
    this.#send(keys.map((k) => wordFor(k, s)));
  }

  #tick(): void {
    const now = this.#clock.mono();
    const dt = (now - this.#last) / 1000;
    this.#last = now;
    const s = this.#o.state();
    const words: number[] = [];
    for (const [key, rate] of Object.entries(this.#o.rates ?? DEFAULT_RATES) as [ParameterKey, number][]) {
      let owed = (this.#due.get(key) ?? Math.random()) + rate * dt;
      for (; owed >= 1; owed--) words.push(wordFor(key, s));
      this.#due.set(key, owed);
    }
    this.#send(words);
  }

  #send(words: number[]): void {
    if (words.length === 0) return;
    const encode = this.#o.framing === 'ascii-lines' ? (w: number) => encodeAsciiLine(w) : encodeBinaryFrame;
    this.#o.write(Buffer.concat(words.map((w) => encode(w))));
    this.words += words.length;
  }
}
