/**
 * The label table, kept as data: which label carries what, in which format,
 * with what scale. Every figure names where it comes from (see
 * docs/avionics.md for the full references). ARINC 429 Part 1 itself is not
 * freely published; the figures below are the ones repeated in public
 * equipment manuals and open-source decoders, cross-checked against each
 * other. An installation whose ICD differs passes its own table to the
 * decoder: nothing else in the code knows a label number.
 *
 * BNR: two's complement, sign in bit 29, `sigBits` magnitude bits counting
 * down from bit 28, so the least significant bit is bit (29 - sigBits).
 * `range` is the scale: the most significant magnitude bit (bit 28) weighs
 * range / 2, and resolution = range / 2^sigBits. With 20 significant bits the
 * field reaches down into bits 9-10, which then carry data, not an SDI.
 *
 * BCD: digits of 4 bits (the first of 2 or 3), each named by its low bit and
 * width and weighted; the sign is the SSM (00 plus, 11 minus).
 *
 * ISO5: 7-bit ISO alphabet No. 5 characters at the given low bits.
 */

export type LabelFormat = 'BNR' | 'BCD' | 'ISO5' | 'discrete';

/** The name flight-info and the phase machine read a value by. */
export type ParameterKey =
  | 'pressureAltitudeFt'
  | 'altitudeRateFpm'
  | 'computedAirspeedKt'
  | 'trueAirspeedKt'
  | 'staticAirTempC'
  | 'latitudeDeg'
  | 'longitudeDeg'
  | 'groundSpeedKt'
  | 'trueHeadingDeg'
  | 'windSpeedKt'
  | 'windAngleDeg'
  | 'utcMinutes'
  | 'date'
  | 'flightNumber1'
  | 'flightNumber2'
  | 'flightNumber3'
  | 'flightNumber4'
  | 'discrete1'
  | 'discrete2'
  | 'discrete3'
  | 'discrete4'
  | 'discrete5'
  | 'discrete6'
  | 'discrete7';

interface LabelBase {
  /** Octal, as the specification spells it: 0o203. */
  label: number;
  key: ParameterKey;
  name: string;
  units: string;
  /** Where the figures come from; see docs/avionics.md, "Sources". */
  source: string;
}

export interface BnrLabel extends LabelBase {
  format: 'BNR';
  sigBits: number;
  /** The scale: the largest magnitude is range - resolution. */
  range: number;
  resolution: number;
  /** What a positive value means: "up", "north", "east", "clockwise from true north". */
  positive: string;
  /** Angles whose negative half means 180-360 (headings, wind angles): decoded into [0, 360). */
  wrap360?: boolean;
  /** A speed or temperature that can only be one sign still decodes signed; this flags a negative as out of range. */
  nonNegative?: boolean;
}

export interface BcdDigit {
  /** The digit's least significant bit (11..29). */
  lsb: number;
  /** 4, or 1-3 for a leading digit. */
  width: number;
  /** The digit's weight in the value (hours-tens: 600 when the value is minutes). */
  weight: number;
  /** The largest digit value allowed (9 unless a tens digit is narrower, like hours-tens 2). */
  max: number;
}

export interface BcdLabel extends LabelBase {
  format: 'BCD';
  digits: readonly BcdDigit[];
  /** The SSM's 11 means minus (south, west); otherwise 11 is refused as a reserved code. */
  signed: boolean;
  /** Largest legal value; above it the word is refused (e.g. 23:59.9 for UTC). */
  max: number;
  resolution: number;
}

export interface Iso5Label extends LabelBase {
  format: 'ISO5';
  /** The low bit of each 7-bit character, first character first. */
  charLsbs: readonly number[];
}

export interface DiscreteLabel extends LabelBase {
  format: 'discrete';
}

export type LabelSpec = BnrLabel | BcdLabel | Iso5Label | DiscreteLabel;

const A429 = 'ARINC 429 Part 1, Attachment 2 (BNR table)';
const T62 = 'ARINC 429 Part 1 Table 6-2 example words (recreated verbatim in Ballard BTI429 EXAMP14.C)';
const NIDAS = 'NCAR NIDAS IRS_HW_HG2001GD.cc / ADC_HW_EB7022597.cc';
const MK8 = 'Honeywell MK VI/MK VIII EGPWS Installation Design Guide 060-4314-150, section 6.2';

const bnr = (
  label: number,
  key: ParameterKey,
  name: string,
  units: string,
  range: number,
  sigBits: number,
  positive: string,
  source: string,
  extra: Partial<Pick<BnrLabel, 'wrap360' | 'nonNegative'>> = {},
): BnrLabel => ({ label, key, name, units, format: 'BNR', range, sigBits, resolution: range / 2 ** sigBits, positive, source, ...extra });

/** BCD date, label 260: day, month, year (two digits) per ARINC 429 Part 1 Table 6-18. */
const DATE_DIGITS: readonly BcdDigit[] = [
  { lsb: 28, width: 2, weight: 100000, max: 3 }, // day tens
  { lsb: 24, width: 4, weight: 10000, max: 9 }, // day units
  { lsb: 23, width: 1, weight: 1000, max: 1 }, // month tens
  { lsb: 19, width: 4, weight: 100, max: 9 }, // month units
  { lsb: 15, width: 4, weight: 10, max: 9 }, // year tens
  { lsb: 11, width: 4, weight: 1, max: 9 }, // year units
];

/** BCD UTC, label 125: hh:mm.m, the standard 5-digit BCD layout; the value is minutes since midnight. */
const UTC_DIGITS: readonly BcdDigit[] = [
  { lsb: 27, width: 3, weight: 600, max: 2 }, // hours tens
  { lsb: 23, width: 4, weight: 60, max: 9 }, // hours units
  { lsb: 19, width: 4, weight: 10, max: 5 }, // minutes tens
  { lsb: 15, width: 4, weight: 1, max: 9 }, // minutes units
  { lsb: 11, width: 4, weight: 0.1, max: 9 }, // tenths of a minute
];

const flightNumber = (label: number, key: ParameterKey, n: number): Iso5Label => ({
  label,
  key,
  name: `Flight number, characters ${2 * n - 1}-${2 * n}`,
  units: 'ISO-5',
  format: 'ISO5',
  charLsbs: [11, 19],
  source: 'ARINC 429 Part 1 label assignments (233-237 flight identification, ISO alphabet No. 5); two characters a word, layout per the installation ICD',
});

const discrete = (label: number, key: ParameterKey, n: number): DiscreteLabel => ({
  label,
  key,
  name: `Discrete word #${n}`,
  units: 'bits',
  format: 'discrete',
  source: 'ARINC 429 Part 1 label groups: 270-276 discretes subgroup; bit meanings are installation-specific',
});

export const DEFAULT_LABELS: readonly LabelSpec[] = [
  bnr(0o203, 'pressureAltitudeFt', 'Pressure altitude (1013.25 hPa)', 'ft', 131072, 17, 'up', `${A429}; ${MK8} (+-131,072 ft, LSB 1 ft, bits 12-28); ${T62}`),
  bnr(0o212, 'altitudeRateFpm', 'Altitude rate', 'ft/min', 32768, 11, 'up', `${A429}; ${MK8} (+-32,768 ft/min, LSB 16 ft/min)`),
  bnr(0o206, 'computedAirspeedKt', 'Computed airspeed', 'kt', 1024, 14, 'always positive', `${A429}; ${T62} (14 bits, 0.0625 kt)`, { nonNegative: true }),
  bnr(0o210, 'trueAirspeedKt', 'True airspeed', 'kt', 2048, 15, 'always positive', `${A429}; ${T62} (15 bits, 0.0625 kt)`, { nonNegative: true }),
  bnr(0o213, 'staticAirTempC', 'Static air temperature', 'degC', 512, 11, 'above zero', `${A429}; ${MK8} (512 degC, LSB 0.25 degC, bits 18-28); ${T62}`),
  bnr(0o310, 'latitudeDeg', 'Present position latitude', 'deg', 180, 20, 'north', `${A429}; ${T62} (20 bits, 0.000172 deg); ${NIDAS} (bits 9-28)`),
  bnr(0o311, 'longitudeDeg', 'Present position longitude', 'deg', 180, 20, 'east', `${A429}; ${T62} (20 bits, 0.000172 deg); ${NIDAS} (bits 9-28)`),
  bnr(0o312, 'groundSpeedKt', 'Ground speed', 'kt', 4096, 15, 'always positive', `${A429}; ${T62} (15 bits, 0.125 kt)`, { nonNegative: true }),
  bnr(0o314, 'trueHeadingDeg', 'True heading', 'deg', 180, 15, 'clockwise from true north', `${A429}; ${NIDAS} (+-180 deg, 360 added below zero)`, { wrap360: true }),
  bnr(0o315, 'windSpeedKt', 'Wind speed', 'kt', 256, 8, 'always positive', `${A429}; ${NIDAS} (256 kt scale)`, { nonNegative: true }),
  bnr(0o316, 'windAngleDeg', 'Wind angle (true)', 'deg', 180, 8, 'clockwise from true north', `${A429}; ${NIDAS} (+-180 deg, 360 added below zero)`, { wrap360: true }),
  {
    label: 0o125,
    key: 'utcMinutes',
    name: 'Universal Coordinated Time (hh:mm.m)',
    units: 'min',
    format: 'BCD',
    digits: UTC_DIGITS,
    signed: false,
    max: 23 * 60 + 59.9,
    resolution: 0.1,
    source: 'ARINC 429 Part 1, Attachment 2 (BCD table: 125 UTC, 23:59.9 hr:min, 0.1 min); standard 5-digit BCD layout',
  },
  {
    label: 0o260,
    key: 'date',
    name: 'Date (dd mm yy)',
    units: 'ddmmyy',
    format: 'BCD',
    digits: DATE_DIGITS,
    signed: false,
    max: 311299,
    resolution: 1,
    source: 'ARINC 429 Part 1 Table 6-18 (label 260 date: bits 29-28 day tens ... 14-11 year units), as quoted on aviation.stackexchange.com/q/91971',
  },
  flightNumber(0o233, 'flightNumber1', 1),
  flightNumber(0o234, 'flightNumber2', 2),
  flightNumber(0o235, 'flightNumber3', 3),
  flightNumber(0o236, 'flightNumber4', 4),
  discrete(0o270, 'discrete1', 1),
  discrete(0o271, 'discrete2', 2),
  discrete(0o272, 'discrete3', 3),
  discrete(0o273, 'discrete4', 4),
  discrete(0o274, 'discrete5', 5),
  discrete(0o275, 'discrete6', 6),
  discrete(0o276, 'discrete7', 7),
];

/** Label number -> spec. A Map, so a hostile or odd label never reaches Object.prototype. */
export type LabelTable = ReadonlyMap<number, LabelSpec>;

export function labelTable(specs: readonly LabelSpec[] = DEFAULT_LABELS): LabelTable {
  const m = new Map<number, LabelSpec>();
  for (const s of specs) {
    if (m.has(s.label)) throw new Error(`label ${s.label.toString(8)} is in the table twice`);
    m.set(s.label, s);
  }
  return m;
}
