import type { FaultSeverity, LruInfo } from '../../protocols/seat-poll/types.js';
import type { FirmwareFault } from './firmware/faults.js';
import type { SeatPlayer } from './seat-player.js';

/** One injectable behaviour, the same for the Simulator API, `purser sim` flags and its stdin. */
export type SeatAction =
  | { do: 'drop'; probability: number }
  | { do: 'lose-datagrams'; probability: number }
  | { do: 'silent'; ms: number }
  | { do: 'reboot'; downMs: number }
  | { do: 'skew'; ms: number }
  | { do: 'call' }
  | { do: 'release' }
  | { do: 'hold'; ms: number }
  | { do: 'flap'; hz: number }
  | { do: 'fault'; code: string; severity: FaultSeverity }
  | { do: 'clear-fault'; code: string }
  | { do: 'swap-lru' }
  | { do: 'bad-signer'; on: boolean }
  /** Carried out by SimFirmware (null clears); a simulator without it refuses the action. */
  | { do: 'firmware-fault'; fault: FirmwareFault | null; attempts?: number };

/** Applies an action to one seat; `spareLru` hands out a unit no other seat has. */
export function perform(player: SeatPlayer, action: SeatAction, spareLru: () => LruInfo): void {
  switch (action.do) {
    case 'drop':
      return player.setDropProbability(action.probability);
    case 'lose-datagrams':
      return player.setDatagramLoss(action.probability);
    case 'silent':
      return player.goSilent(action.ms);
    case 'reboot':
      return player.reboot(action.downMs);
    case 'skew':
      return player.setClockSkew(action.ms);
    case 'call':
      return player.pressCall();
    case 'release':
      return player.releaseCall();
    case 'hold':
      return player.holdCall(action.ms);
    case 'flap':
      return player.flap(action.hz);
    case 'fault':
      return player.raiseFault(action.code, action.severity);
    case 'clear-fault':
      return player.clearFault(action.code);
    case 'swap-lru':
      return player.swapLru(spareLru());
    case 'bad-signer':
      return player.setBadSigner(action.on);
    case 'firmware-fault':
      throw new RangeError('firmware faults need simulated firmware (SimFirmware.inject)');
  }
}
