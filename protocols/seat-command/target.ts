import type { FieldError, Target } from './types.js';

export interface SeatRef {
  id: string;
  zone: string;
}

/** Whether `target` selects `seat`. */
export function targets(target: Target, seat: SeatRef): boolean {
  if ('all' in target) return true;
  if ('zones' in target) return target.zones.includes(seat.zone);
  return target.seats.includes(seat.id);
}

/** The cabin layout as the controller's configuration knows it. */
export interface LayoutLookup {
  isSeat(id: string): boolean;
  isZone(zone: string): boolean;
}

/** Refuses targets naming seats or zones the layout does not have: such a command would reach nobody. */
export function targetLayoutErrors(target: Target, layout: LayoutLookup): FieldError[] {
  if ('zones' in target) return unknownNames(target.zones, 'zones', (z) => layout.isZone(z));
  if ('seats' in target) return unknownNames(target.seats, 'seats', (s) => layout.isSeat(s));
  return [];
}

function unknownNames(names: readonly string[], key: 'zones' | 'seats', known: (name: string) => boolean): FieldError[] {
  const noun = key === 'zones' ? 'zone' : 'seat';
  return names.flatMap((name, i) => (known(name) ? [] : [{ field: `target.${key}[${i}]`, message: `unknown ${noun} "${name}"` }]));
}
