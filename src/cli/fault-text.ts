import { FAULT_SEVERITIES, type FaultSeverity } from '../../protocols/seat-poll/types.js';

export interface FaultDetail {
  code: string;
  severity: FaultSeverity;
  since: number;
}

/** Most severe first: what a technician should look at first. */
export function bySeverity(a: FaultDetail, b: FaultDetail): number {
  return FAULT_SEVERITIES.indexOf(b.severity) - FAULT_SEVERITIES.indexOf(a.severity) || a.code.localeCompare(b.code);
}

/** "DISK_SMART (warn), TEMP_HIGH (critical)" as "TEMP_HIGH (critical), DISK_SMART (warn)"; codes alone from a controller that sends no details. */
export function faultsText(details: readonly FaultDetail[] | undefined, codes: readonly string[]): string {
  if (!details) return codes.join(', ');
  return [...details].sort(bySeverity).map((f) => `${f.code} (${f.severity})`).join(', ');
}
