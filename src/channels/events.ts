import type { EventDeclarations } from '../contract/events.js';

declare module '../contract/events.js' {
  interface CabinEventMap {
    /** Crew started the safety video: `seq` is the safety.play command that carries it to the seats. */
    'safety.started': { seat: null; at: number; channel: string; seq: number; by: string };
    /** It ended: played to its end, stopped by the crew, or cut short (VLC gone for good). Every seat was released by `seq`. */
    'safety.ended': { seat: null; at: number; channel: string; reason: 'finished' | 'stopped'; by: string; seq: number | null };
    /** Paused for a PA (VLC and every seat), and resumed where it stopped. */
    'safety.paused': { seat: null; at: number; channel: string; source: string };
    'safety.resumed': { seat: null; at: number; channel: string };
    /** Crew imposed a channel on seats, or released it. */
    'channel.imposed': { seat: null; at: number; channel: string; target: unknown; seq: number; by: string };
    'channel.released': { seat: null; at: number; channel: string; target: unknown; seq: number; by: string };
    /** A channel's state changed (on-air, starting, source-missing, down). */
    'channel.state': { seat: null; at: number; channel: string; state: string; previous: string };
  }
}

export const CHANNEL_EVENTS: EventDeclarations = {
  'safety.started': 'stored',
  'safety.ended': 'stored',
  'safety.paused': 'stored',
  'safety.resumed': 'stored',
  'channel.imposed': 'stored',
  'channel.released': 'stored',
  'channel.state': 'stored',
};
