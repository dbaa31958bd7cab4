import type { EventDeclarations } from '../contract/events.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    /** The flight phase changed (or onGround did). */
    'flight.phase': { seat: null; at: number; from: string; to: string; onGround: boolean; reason: string };
    /** A discrete's fault (flapping, stale) raised or cleared. */
    'discrete.fault': { seat: null; at: number; discrete: string; fault: 'flapping' | 'stale' | null; previous: 'flapping' | 'stale' | null };
    /** An overhead monitor's fault raised or cleared (docs/monitors.md). */
    'monitor.fault': { seat: null; at: number; monitor: string; code: string; raised: boolean; detail: string };
    /** The head-end clock against avionics UTC: a skew beyond the limit, or a jump of either clock. */
    'clock.report': { seat: null; at: number; kind: 'skew' | 'jump' | 'skew-ok'; skewMs: number; clock?: 'wall' | 'avionics'; byMs?: number };
  }
}

export const AVIONICS_EVENTS: EventDeclarations = {
  'flight.phase': 'stored',
  'discrete.fault': 'stored',
  'monitor.fault': 'stored',
  'clock.report': 'stored',
};
