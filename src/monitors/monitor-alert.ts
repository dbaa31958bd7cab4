import type { MonitorEntity } from './types.js';

/** Faults that mean the monitor is out of the crew's reach, not a refused command. */
const UNREACHABLE = { MONITOR_NO_REPLY: 'does not answer', MONITOR_PORT_DOWN: 'cannot be reached: its serial line is down' } as const;

/**
 * The crew alert an overhead monitor's entity carries (contract/entities.ts
 * `crewAlert`), or nothing: only while it cannot be reached. A refused or
 * busy command is the technician's business, in the entity's faults.
 */
export function monitorCrewAlert(name: string, m: MonitorEntity): { crewAlert?: string } {
  for (const code of ['MONITOR_PORT_DOWN', 'MONITOR_NO_REPLY'] as const) {
    if (m.attributes.faults.includes(code)) return { crewAlert: `Overhead monitor ${name} ${UNREACHABLE[code]} (${code}): check its power and cable` };
  }
  return {};
}
