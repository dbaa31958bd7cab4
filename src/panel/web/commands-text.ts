import { newestReaching, reaches } from './standing.js';
import type { CommandStatus, Layout, SeatSummary, Target } from './wire.js';

export { reaches };

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
      return 'Pause all media';
    case 'media.resume':
      return 'Resume media';
    case 'firmware.update':
      return `Firmware update ${a.version ? String(a.version) : ''}`.trim();
    case 'content.sync':
      return 'Content update';
    case 'safety.play':
      return 'Safety video';
    case 'channel.tune':
      return `Channel ${a.channel ? String(a.channel) : ''}`.trim();
    default:
      // A command this page does not know yet: its name, made readable.
      return c.cmd.replace(/[._]/g, ' ').replace(/^./, (x) => x.toUpperCase());
  }
}

/** Commands that are a technician's or the system's business, not something the crew did. */
const TECHNICIAN_WORK = new Set(['firmware.update', 'content.sync']);

/**
 * The crew's own actions (sent from the panel by crew), apart from technician
 * and automatic traffic (rollouts, CLI, the flight-deck PA): a firmware
 * rollout must not push the crew's lock off their list.
 */
export function isCrewAction(c: Pick<CommandStatus, 'cmd' | 'issuer'>): boolean {
  return c.issuer.startsWith('panel:') && !TECHNICIAN_WORK.has(c.cmd);
}

/** The seats a target names, as the layout has them. */
export function seatsOf(t: Target, layout: Layout | null): string[] {
  if ('seats' in t) return t.seats;
  const out: string[] = [];
  for (const r of layout?.rows ?? []) {
    if ('zones' in t && !t.zones.includes(r.zone)) continue;
    for (const l of r.places) if (l) out.push(`${r.row}${l}`);
  }
  return out;
}

/**
 * Delivered is not done for a firmware update: the seats received it, but a
 * seat may then fail to install it (sha256 mismatch). Those seats, if any.
 */
export function failedSeats(c: Pick<CommandStatus, 'cmd' | 'target' | 'at'>, seats: ReadonlyMap<string, SeatSummary>, layout: Layout | null): string[] {
  if (c.cmd !== 'firmware.update') return [];
  return seatsOf(c.target, layout).filter((id) => seats.get(id)?.update === 'failed');
}

/**
 * The message on this seat's screen now, by the newest message command that
 * reached it (a clear ends it). Pass the recent commands and the standing
 * orders: a message outlives the few commands the page keeps.
 */
export function activeMessage(commands: Iterable<CommandStatus>, seat: string, zone: string | undefined): { text: string; level: string } | null {
  const newest = newestReaching(commands, 'message', seat, zone);
  return newest?.cmd === 'message.show' ? { text: String(newest.args.text ?? ''), level: String(newest.args.level ?? 'info') } : null;
}
