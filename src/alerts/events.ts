import type { EventDeclarations } from '../contract/events.js';
import type { AlertChange } from './alert.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    /** An alert opened, changed or closed (live only: the book itself is persisted, and crew.action records who did what). */
    'alert.changed': { seat: string | null; at: number; change: AlertChange };
  }
}

export const ALERT_EVENTS: EventDeclarations = { 'alert.changed': 'live' };
