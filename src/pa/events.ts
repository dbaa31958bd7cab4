import type { EventDeclarations } from '../contract/events.js';
import type { PaSource } from './detector.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    'pa.started': { seat: null; at: number; source: PaSource };
    'pa.stopped': { seat: null; at: number; source: PaSource };
  }
}

export const PA_EVENTS: EventDeclarations = { 'pa.started': 'stored', 'pa.stopped': 'stored' };
