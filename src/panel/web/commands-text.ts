import type { CommandStatus, Target } from './wire.js';

export function targetText(t: Target): string {
  if ('all' in t) return 'Whole cabin';
  if ('zones' in t) return t.zones.map((z) => `Zone ${z}`).join(', ');
  return t.seats.length === 1 ? `Seat ${t.seats[0]}` : `${t.seats.length} seats`;
}

/** What a command does, in the crew's words: "Lock", "Cabin PA on", "Volume max 5". */
export function commandText(c: Pick<CommandStatus, 'cmd' | 'args'>): string {
  const a = c.args;
  switch (c.cmd) {
    case 'pa.begin':
      return `${a.source === 'cabin' ? 'Cabin PA' : `PA (${String(a.source)})`} on`;
    case 'pa.end':
      return `${a.source === 'cabin' ? 'Cabin PA' : `PA (${String(a.source)})`} off`;
    case 'seat.lock':
      return 'Lock';
    case 'seat.unlock':
      return 'Unlock';
    case 'message.show':
      return `Message “${String(a.text)}”`;
    case 'message.clear':
      return 'Clear message';
    case 'volume.cap':
      return `Volume max ${String(a.max)}`;
    case 'seat.reboot':
      return 'Reboot';
    case 'media.pause':
      return 'Pause';
    case 'media.resume':
      return 'Resume';
    default:
      return c.cmd;
  }
}
