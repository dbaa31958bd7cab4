import type { KeyObject } from 'node:crypto';
import { commandHandlers } from '../command-handlers.js';
import type { SeatPlayer } from '../seat-player.js';
import type { Simulator, Target } from '../simulator.js';
import { FaultBook, type FirmwareFault } from './faults.js';
import { attachUpdater, detachUpdater, firmwareUpdate } from './handler.js';
import { FirmwareStats, type FirmwareStatsSnapshot } from './stats.js';
import { DownloadThread, type DownloadTftpOptions } from './download-thread.js';
import { FirmwareUpdater, type FirmwareTiming } from './updater.js';
import { firmwareKeyFromRaw } from './verify.js';

/** Where seats are provisioned with the firmware key from (the controller's route). */
const FIRMWARE_KEY_PATH = '/seat/v1/firmware-key';

export interface SimFirmwareOptions {
  /** The controller: its firmware key is fetched once, as provisioning would install it. */
  controller: string | URL;
  /** Base64 of the raw public key, instead of fetching it. */
  firmwareKey?: string;
  tftp?: DownloadTftpOptions;
  timing?: Partial<FirmwareTiming>;
}

const DEFAULT_TIMING: FirmwareTiming = { verifyMs: 200, flashMs: 800, rebootingMs: 1200, bootMs: 1000 };

/**
 * Firmware updates for a simulator's seats: each seat answers firmware.update
 * by fetching the image over real TFTP, checking it and rebooting into it.
 * Faults are injected per seat or share of the cabin.
 */
export class SimFirmware {
  readonly faults = new FaultBook();
  readonly #stats = new FirmwareStats();
  readonly #stopping = new AbortController();
  readonly #attached = new Set<SeatPlayer>();
  readonly #timing: FirmwareTiming;
  readonly #downloads = new DownloadThread();
  #key: Promise<KeyObject> | undefined;

  constructor(
    private readonly sim: Simulator,
    private readonly o: SimFirmwareOptions,
  ) {
    this.#timing = { ...DEFAULT_TIMING, ...o.timing };
    // Registered once firmware is simulated at all: until then seats treat firmware.update as unknown, as they always did.
    commandHandlers.set('firmware.update', firmwareUpdate);
    this.attach(sim.players);
  }

  /** Gives these seats firmware support (the simulator's seats at construction have it already). */
  attach(players: readonly SeatPlayer[]): void {
    const ctx = {
      firmwareKey: () => this.#firmwareKey(),
      faults: this.faults,
      tftp: this.o.tftp ?? {},
      downloads: this.#downloads,
      timing: this.#timing,
      stats: this.#stats,
      stopping: this.#stopping.signal,
    };
    for (const p of players) {
      attachUpdater(p.model, new FirmwareUpdater(p.seat, p, ctx));
      this.#attached.add(p);
    }
  }

  /** Spoils the next `attempts` updates (default: all) of the targeted seats; returns their ids. */
  inject(target: Target, fault: FirmwareFault, attempts?: number): string[] {
    const seats = this.sim.select(target).map((p) => p.seat);
    for (const s of seats) this.faults.set(s, fault, attempts);
    return seats;
  }

  clear(target: Target): void {
    for (const p of this.sim.select(target)) this.faults.clear(p.seat);
  }

  stats(): FirmwareStatsSnapshot {
    return this.#stats.snapshot();
  }

  /** Abandons updates in progress (their downloads end with an ERROR to the server) and detaches. */
  stop(): void {
    this.#stopping.abort();
    for (const p of this.#attached) detachUpdater(p.model);
    this.#attached.clear();
    // Aborted downloads first tell the server; the thread ends a moment later.
    setTimeout(() => void this.#downloads.stop(), 200).unref();
  }

  #firmwareKey(): Promise<KeyObject> {
    this.#key ??= (this.o.firmwareKey ? Promise.resolve(this.o.firmwareKey) : fetchKey(this.o.controller)).then(firmwareKeyFromRaw);
    // A failed fetch is not kept: the next update asks again.
    this.#key.catch(() => (this.#key = undefined));
    return this.#key;
  }
}

async function fetchKey(controller: string | URL): Promise<string> {
  const res = await fetch(new URL(FIRMWARE_KEY_PATH, controller), { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { firmwareKey?: unknown };
  if (!res.ok || typeof body.firmwareKey !== 'string') throw new Error(`${FIRMWARE_KEY_PATH} answered ${res.status}`);
  return body.firmwareKey;
}
