/**
 * The cabin layout: which seats exist, their zone, and where the aisles are.
 * Config form (SEAT-PROTOCOL "Identities"):
 *   layout: { rows: 50, letters: "ABC DEF", zones: { J: "1-5", Y: "6-50" }, skipRows: [13] }
 * A space in `letters` marks an aisle (for the seat map); a zone may also give its
 * own letters: zones: { J: { rows: "1-5", letters: "AC DF" } }.
 */
export interface LayoutConfig {
  rows: number;
  letters: string;
  zones: Record<string, string | { rows: string; letters?: string; name?: string }>;
  skipRows?: number[];
}

export interface SeatDef {
  id: string;
  row: number;
  letter: string;
  zone: string;
}

export interface RowDef {
  row: number;
  zone: string;
  /** Letters left to right; '' marks an aisle. */
  places: string[];
}

export interface Layout {
  seats: SeatDef[];
  rows: RowDef[];
  zones: string[];
  /** A name for people per zone: configured (`zones.J.name`), else the usual one for a cabin-class code (J Business, Y Economy). */
  zoneNames: Record<string, string>;
  /** All letters in cabin order with '' for aisles, for drawing the widest row. */
  columns: string[];
  byId: Map<string, SeatDef>;
}

export class LayoutError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`);
  }
}

function parseRange(spec: string, path: string, maxRow: number): [number, number] {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(spec);
  if (!m) throw new LayoutError(path, `"${spec}" is not a row range like "1-5" or "7"`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1 || to < from || to > maxRow) throw new LayoutError(path, `row range "${spec}" must lie within 1-${maxRow}`);
  return [from, to];
}

function parseLetters(spec: string, path: string): string[] {
  if (!/^[A-Z ]+$/.test(spec) || spec.trim() === '') throw new LayoutError(path, 'letters must be capital A-Z, with spaces for aisles');
  const seen = new Set<string>();
  const places: string[] = [];
  for (const ch of spec.trim().replace(/ +/g, ' ')) {
    if (ch === ' ') {
      places.push('');
      continue;
    }
    if (seen.has(ch)) throw new LayoutError(path, `letter ${ch} appears twice`);
    seen.add(ch);
    places.push(ch);
  }
  return places;
}

export function buildLayout(cfg: LayoutConfig, path = 'cabin.layout'): Layout {
  const defaultPlaces = parseLetters(cfg.letters, `${path}.letters`);
  const skip = new Set(cfg.skipRows ?? []);
  const zoneOfRow = new Map<number, { zone: string; places: string[] }>();
  for (const [zone, spec] of Object.entries(cfg.zones)) {
    if (!/^[A-Z][A-Z0-9]{0,3}$/.test(zone)) throw new LayoutError(`${path}.zones.${zone}`, 'zone names are 1-4 capitals/digits, starting with a capital');
    const rowsSpec = typeof spec === 'string' ? spec : spec.rows;
    const places = typeof spec === 'object' && spec.letters ? parseLetters(spec.letters, `${path}.zones.${zone}.letters`) : defaultPlaces;
    const [from, to] = parseRange(rowsSpec, `${path}.zones.${zone}`, cfg.rows);
    for (let r = from; r <= to; r++) {
      const prev = zoneOfRow.get(r);
      if (prev) throw new LayoutError(`${path}.zones.${zone}`, `row ${r} is already in zone ${prev.zone}`);
      zoneOfRow.set(r, { zone, places });
    }
  }
  const seats: SeatDef[] = [];
  const rows: RowDef[] = [];
  for (let r = 1; r <= cfg.rows; r++) {
    if (skip.has(r)) continue;
    const z = zoneOfRow.get(r);
    if (!z) throw new LayoutError(`${path}.zones`, `row ${r} is in no zone`);
    rows.push({ row: r, zone: z.zone, places: z.places });
    for (const letter of z.places) if (letter) seats.push({ id: `${r}${letter}`, row: r, letter, zone: z.zone });
  }
  if (seats.length === 0) throw new LayoutError(path, 'the layout has no seats');
  const zones = [...new Set(rows.map((r) => r.zone))];
  const zoneNames: Record<string, string> = Object.create(null);
  for (const z of zones) {
    const spec = cfg.zones[z];
    const name = typeof spec === 'object' && spec.name ? spec.name : Object.hasOwn(CLASS_NAMES, z) ? CLASS_NAMES[z] : undefined;
    if (name) zoneNames[z] = name;
  }
  return { seats, rows, zones, zoneNames, columns: widestColumns(rows), byId: new Map(seats.map((s) => [s.id, s])) };
}

/** IATA cabin-class codes as zone names: what a zone is called when the layout does not say. */
const CLASS_NAMES: Readonly<Record<string, string>> = { F: 'First', J: 'Business', C: 'Business', W: 'Premium economy', Y: 'Economy' };

/** Merges every row's letters in cabin order so each letter keeps its own column on the map. */
function widestColumns(rows: RowDef[]): string[] {
  const letters = [...new Set(rows.flatMap((r) => r.places.filter(Boolean)))].sort();
  // An aisle sits after a letter if any row puts one there.
  const aisleAfter = new Set<string>();
  for (const r of rows) r.places.forEach((p, i) => p === '' && r.places[i - 1] && aisleAfter.add(r.places[i - 1]!));
  return letters.flatMap((l) => (aisleAfter.has(l) ? [l, ''] : [l]));
}

export const DEFAULT_LAYOUT: LayoutConfig = { rows: 50, letters: 'ABC DEF', zones: { J: '1-5', Y: '6-50' } };
