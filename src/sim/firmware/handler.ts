import type { CommandHandler } from '../command-handlers.js';
import type { SeatModel } from '../seat-model.js';
import type { FirmwareUpdater } from './updater.js';

/** Seats with firmware support (SimFirmware attaches it); the command handler finds a seat's updater here. */
const updaters = new WeakMap<SeatModel, FirmwareUpdater>();

export function attachUpdater(model: SeatModel, updater: FirmwareUpdater): void {
  updaters.set(model, updater);
}

export function detachUpdater(model: SeatModel): void {
  updaters.delete(model);
}

/** firmware.update: a seat without an updater says so in its poll, so a rollout fails it at once instead of waiting. */
export const firmwareUpdate: CommandHandler = (seat, args) => {
  const updater = updaters.get(seat);
  if (updater) return updater.begin(args);
  seat.setUpdate({ state: 'failed', error: 'firmware updates are not simulated on this seat (see SimFirmware)' });
  return 'rejected';
};
