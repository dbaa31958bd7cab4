import type { EventDeclarations } from '../contract/events.js';
import type { CommandStatus } from './delivery.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    'command.sent': { seat: null; at: number; seq: number; cmd: string; args: unknown; target: unknown; by: string };
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
