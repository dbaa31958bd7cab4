import type { ClockReport } from './clock-check.js';
import type { DiscreteState } from './discretes.js';

/**
 * The crew alerts (contract/entities.ts `crewAlert`) that avionics entities
 * carry. A discrete that flaps is a faulty sensor or wire, as a seat's
 * flapping button is; one that was heard and then went silent is a lost
 * input. Stale before it was ever heard is start-up, not an alert.
 */
export function discreteCrewAlert(d: DiscreteState, everHeard: boolean): { crewAlert?: string } {
  if (d.fault === 'flapping') return { crewAlert: `Discrete input ${d.name} is flapping: a faulty sensor or wire; it is not trusted until it settles` };
  if (d.fault === 'stale' && everHeard) return { crewAlert: `Discrete input ${d.name} went silent: its value is not known` };
  return {};
}

/** The head-end clock off from avionics UTC beyond the limit: schedules and logs are off by as much. */
export function clockCrewAlert(r: ClockReport): { crewAlert?: string } {
  if (r.skewOk) return {};
  const s = Math.round(Math.abs(r.skewMs) / 1000);
  return { crewAlert: `Head-end clock is ${s} s ${r.skewMs > 0 ? 'ahead of' : 'behind'} avionics UTC: for a technician` };
}

/** What each not-ok I/O module state tells the crew: its discretes are not known while it lasts. */
const MODULE_WORDS = {
  'no-reply': 'does not answer',
  'port-down': 'cannot be reached: its serial line is down',
  exception: 'refuses the poll',
} as const;

/** An I/O module that is not read: the discretes on its lines (door, PA keyline, ...) go unknown. Start-up ('unknown') is no alert. */
export function ioModuleCrewAlert(id: string, state: string, detail: string): { crewAlert?: string } {
  const words = MODULE_WORDS[state as keyof typeof MODULE_WORDS];
  return words ? { crewAlert: `Discrete I/O module ${id} ${words} (${detail}): its inputs are not known; for a technician` } : {};
}
