import type { CommandBody, PaSource } from '../../protocols/seat-command/types.js';
import { DEFAULT_DESIRED, type DesiredState } from '../../protocols/seat-poll/types.js';

/** Highest first: a flight-deck PA outranks the cabin's, which outranks a recorded one. */
export const PA_PRIORITY: readonly PaSource[] = ['flightdeck', 'cabin', 'recorded'];

/** Per seat: the desired state plus which PA sources are live (to hand back when the top one ends). */
export interface SeatDesired {
  desired: DesiredState;
  pa: Partial<Record<PaSource, string>>;
  /** A tuned channel (or the safety video) lasts until its command expires. */
  channelUntil: number;
}

export function initialSeatDesired(): SeatDesired {
  return { desired: { ...DEFAULT_DESIRED }, pa: {}, channelUntil: 0 };
}

function topPa(pa: SeatDesired['pa']): DesiredState['paOverride'] {
  for (const source of PA_PRIORITY) {
    const group = pa[source];
    if (group) return { source, group };
  }
  return null;
}

/**
 * Folds one command into a seat's desired state (pure). State-setting commands
 * hold until changed, whatever their expiry: a lock must not lapse by itself.
 * One-shot commands (reboot, pause, firmware, content) leave it unchanged.
 */
export function applyToDesired(s: SeatDesired, c: CommandBody): SeatDesired {
  const d = s.desired;
  switch (c.cmd) {
    case 'pa.begin': {
      const pa = { ...s.pa, [c.args.source]: c.args.group };
      return { ...s, pa, desired: { ...d, paOverride: topPa(pa) } };
    }
    case 'pa.end': {
      const pa = { ...s.pa };
      delete pa[c.args.source];
      return { ...s, pa, desired: { ...d, paOverride: topPa(pa) } };
    }
    case 'seat.lock':
      return { ...s, desired: { ...d, locked: true } };
    case 'seat.unlock':
      return { ...s, desired: { ...d, locked: false } };
    case 'volume.cap':
      return { ...s, desired: { ...d, volumeCap: c.args.max } };
    case 'channel.tune':
      return { ...s, channelUntil: c.expiresAt, desired: { ...d, channel: { channel: c.args.channel, group: c.args.group } } };
    case 'safety.play':
      return { ...s, channelUntil: c.expiresAt, desired: { ...d, channel: { channel: c.args.channel, group: c.args.group, safety: true } } };
    case 'channel.release':
      // Only the channel it names: a release of the safety video must not drop a channel imposed since.
      return d.channel?.channel === c.args.channel ? { ...s, desired: { ...d, channel: null } } : s;
    case 'message.show':
      return { ...s, desired: { ...d, message: { text: c.args.text, level: c.args.level } } };
    case 'message.clear':
      return { ...s, desired: { ...d, message: null } };
    default:
      return s;
  }
}

/** The desired state as a poll answer carries it at wall time `now`. */
export function desiredAt(s: SeatDesired, now: number): DesiredState {
  return s.desired.channel && now > s.channelUntil ? { ...s.desired, channel: null } : s.desired;
}
