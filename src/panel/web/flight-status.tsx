import type { Entity } from './wire.js';

/** What the avionics feature puts on the flight:phase entity (src/avionics/service.ts). */
interface FlightAttributes {
  onGround?: boolean;
  reason?: string;
  flight?: { flightNumber: string | null; altitudeFt: number | null; groundSpeedKt: number | null; outsideTempC: number | null };
  timeToDestinationMin?: number | null;
  destination?: string | null;
}

const PHASE_TEXT: Record<string, string> = {
  gate: 'At the gate',
  'taxi-out': 'Taxiing out',
  takeoff: 'Take-off',
  climb: 'Climbing',
  cruise: 'Cruise',
  descent: 'Descending',
  approach: 'Approach',
  landed: 'Landed',
  'taxi-in': 'Taxiing in',
  unknown: 'Phase unknown',
};

const n = (v: number) => v.toLocaleString('en-US');

/** One compact line: the phase, then flight, altitude, speed, outside air, time to go (each only when known). */
export function flightLine(a: FlightAttributes): string {
  const f = a.flight;
  const parts: string[] = [];
  if (f?.flightNumber) parts.push(f.flightNumber);
  if (f?.altitudeFt != null && !a.onGround) parts.push(`${n(f.altitudeFt)} ft`);
  if (f?.groundSpeedKt != null && f.groundSpeedKt >= 5) parts.push(`${n(f.groundSpeedKt)} kt`);
  if (f?.outsideTempC != null) parts.push(`${f.outsideTempC} °C`);
  if (a.timeToDestinationMin != null) parts.push(`${a.destination ?? 'arrival'} in ${Math.floor(a.timeToDestinationMin / 60)}:${String(a.timeToDestinationMin % 60).padStart(2, '0')}`);
  return parts.join(' · ');
}

/** The flight phase on the top bar, when the cabin has an avionics feed; the reason on hover. */
export function FlightStatus({ entities }: { entities: ReadonlyMap<string, Entity> }) {
  const e = entities.get('flight:phase');
  if (!e) return null;
  const a = e.attributes as FlightAttributes;
  const line = flightLine(a);
  return (
    <span class="stat" data-testid="flight-phase" data-phase={e.state} title={a.reason ?? ''}>
      <b>{PHASE_TEXT[e.state] ?? e.state}</b>
      {line && <small>{line}</small>}
    </span>
  );
}
