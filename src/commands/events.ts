import type { Actor } from '../auth/principal.js';
import type { EventDeclarations } from '../contract/events.js';
import type { CommandStatus } from './delivery.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    /** `by` is the issuer (`panel:A. Okafor`, `token`, ...); `actor` the person and role, when their own PIN sent it. */
    'command.sent': { seat: null; at: number; seq: number; cmd: string; args: unknown; target: unknown; by: string; actor?: Actor };
    'command.delivered': { seat: null; at: number; seq: number; cmd: string; seats: number; elapsedMs: number };
    'command.incomplete': { seat: null; at: number; seq: number; cmd: string; pending: string[]; offline: string[] };
    /** A command's delivery counts changed (at most 4 times a second per command). */
    'command.progress': { seat: null; at: number; status: CommandStatus };
  }
}

export const COMMAND_EVENTS: EventDeclarations = {
  'command.sent': 'stored',
  'command.delivered': 'stored',
  'command.incomplete': 'stored',
  'command.progress': 'live',
};
