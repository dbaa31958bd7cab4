import type { EventDeclarations } from '../contract/events.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    /** A connection, login, refusal, session open/close or tunnel forward on the SSH console (the audit trail). */
    'console.session': {
      seat: null;
      at: number;
      kind: 'connection-refused' | 'auth-failed' | 'auth-locked' | 'auth-ok' | 'session-open' | 'session-close' | 'tunnel-forward';
      address: string;
      user?: string;
      role?: string;
      session?: number;
      fingerprint?: string;
      detail?: string;
    };
    /** A shell line run, JavaScript evaluated, or refused on the console, before or as it runs. */
    'console.command': {
      seat: null;
      at: number;
      kind: 'command' | 'eval' | 'refused';
      address: string;
      user: string;
      role: string;
      session: number;
      command: string;
      exitCode?: number;
      detail?: string;
    };
  }
}

export const CONSOLE_EVENTS: EventDeclarations = { 'console.session': 'stored', 'console.command': 'stored' };
