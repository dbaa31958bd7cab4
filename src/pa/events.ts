import type { EventDeclarations } from '../contract/events.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    'pa.started': { seat: null; at: number; source: string };
    'pa.stopped': { seat: null; at: number; source: string };
  }
}

export const PA_EVENTS: EventDeclarations = { 'pa.started': 'stored', 'pa.stopped': 'stored' };
