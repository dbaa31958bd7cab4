import type { SeatModel } from './seat-model.js';
import { BAD, channelOf, paOverrideOf } from './response.js';

export type CommandResult = 'applied' | 'rejected';
export type CommandHandler = (seat: SeatModel, args: Record<string, unknown>) => CommandResult;

const always =
  (act: (seat: SeatModel) => void): CommandHandler =>
  (seat) => {
    act(seat);
    return 'applied';
  };

/**
 * What a seat does for each command of the vocabulary (seat protocol, section 2).
 * A command missing here is still acknowledged, and reported as unknown, so the
 * controller does not resend it forever. Add a command by adding an entry.
 */
export const commandHandlers = new Map<string, CommandHandler>([
  [
    'pa.begin',
    (seat, args) => {
      const pa = paOverrideOf(args);
      if (pa === BAD || pa === null) return 'rejected';
      seat.setPa(pa);
      return 'applied';
    },
  ],
  [
    'pa.end',
    // Ends only the PA it names: a cabin PA ending must not cut off the flight deck that took over.
    (seat, { source }) => {
      if (typeof source !== 'string') return 'rejected';
      if (seat.pa?.source === source) seat.setPa(null);
      return 'applied';
    },
  ],
  ['seat.lock', always((seat) => seat.setLocked(true))],
  ['seat.unlock', always((seat) => seat.setLocked(false))],
  ['media.pause', always((seat) => seat.pauseMedia())],
  ['media.resume', always((seat) => seat.resumeMedia())],
  [
    'volume.cap',
    (seat, { max }) => {
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 10) return 'rejected';
      seat.capVolume(max);
      return 'applied';
    },
  ],
  ['channel.tune', (seat, args) => tune(seat, args, false)],
  ['safety.play', (seat, args) => tune(seat, args, true)],
  [
    'channel.release',
    // Lets go only of the channel it names (vocabulary v1.1), as pa.end does of its PA.
    (seat, { channel }) => {
      if (typeof channel !== 'string') return 'rejected';
      if (seat.channel?.channel === channel) seat.setChannel(null);
      return 'applied';
    },
  ],
  [
    'message.show',
    (seat, { text, level }) => {
      if (typeof text !== 'string' || typeof level !== 'string') return 'rejected';
      seat.showMessage({ text, level });
      return 'applied';
    },
  ],
  ['message.clear', always((seat) => seat.showMessage(null))],
  ['seat.reboot', always((seat) => seat.reboot())],
]);

function tune(seat: SeatModel, args: Record<string, unknown>, safety: boolean): CommandResult {
  const channel = channelOf(args, safety);
  if (channel === BAD || channel === null) return 'rejected';
  seat.setChannel(channel);
  return 'applied';
}
