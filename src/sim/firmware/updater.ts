import type { KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { UpdateReport, UpdateState } from '../../../protocols/seat-poll/types.js';
import type { CommandResult } from '../command-handlers.js';
import type { SeatModel } from '../seat-model.js';
import type { FaultBook, FirmwareFault } from './faults.js';
import type { FirmwareStats } from './stats.js';
import type { DownloadThread, DownloadTftpOptions } from './download-thread.js';
import { imageProblem, type ImageClaim } from './verify.js';

/** The seat an updater works for: its model, and a reboot that pauses polling as a real one would. */
export interface SeatHost {
  readonly model: SeatModel;
  reboot(downMs: number): void;
}

/** How long each step takes on a simulated seat (the download takes what TFTP takes). */
export interface FirmwareTiming {
  verifyMs: number;
  flashMs: number;
  /** Reporting `rebooting` before going down, so a poll can carry it. */
  rebootingMs: number;
  /** Down (not polling) while booting. */
  bootMs: number;
}

export interface UpdaterContext {
  firmwareKey(): Promise<KeyObject>;
  faults: FaultBook;
  tftp: DownloadTftpOptions;
  /** Where the downloads run: off the simulator's event loop. */
  downloads: DownloadThread;
  timing: FirmwareTiming;
  stats: FirmwareStats;
  /** Aborted when the simulator's firmware support stops. */
  stopping: AbortSignal;
}

interface Run {
  claim: ImageClaim & { url: string };
  state: UpdateState;
  abort: AbortController;
}

/**
 * One seat's side of firmware.update (docs/rollout.md, "The seat's side"):
 * fetch by TFTP while hashing, check size, digest and signature, flash the
 * other slot, reboot into it. A/B: an image that does not boot leaves the seat
 * on its old one, reporting `failed`. Reports go out in the poll's `update`.
 */
export class FirmwareUpdater {
  #run: Run | undefined;

  constructor(
    private readonly seat: string,
    private readonly host: SeatHost,
    private readonly ctx: UpdaterContext,
  ) {}

  begin(args: Record<string, unknown>): CommandResult {
    const { model } = this.host;
    const claim = claimOf(args);
    if (!claim) return 'rejected';
    if (claim.model !== model.lru.model) {
      model.setUpdate({ state: 'failed', version: claim.version, error: `this unit is a ${model.lru.model}, not a ${claim.model}` });
      return 'rejected';
    }
    if (claim.version === model.lru.firmware) {
      model.setUpdate({ state: 'idle' });
      return 'applied';
    }
    const current = this.#run;
    // Past the download it is too late to stop: that attempt finishes and the seat reports how it went.
    if (current && (current.state === 'flashing' || current.state === 'rebooting')) return 'applied';
    current?.abort.abort();
    const run: Run = { claim, state: 'downloading', abort: new AbortController() };
    this.#run = run;
    void this.#update(run, this.ctx.faults.take(this.seat));
    return 'applied';
  }

  async #update(run: Run, fault: FirmwareFault | undefined): Promise<void> {
    const { stats, timing } = this.ctx;
    const { claim } = run;
    const signal = AbortSignal.any([run.abort.signal, this.ctx.stopping]);
    stats.attempt();
    this.#report(run, { state: 'downloading', progress: 0 });
    try {
      const key = await this.ctx.firmwareKey().catch((err: Error) => {
        throw new UpdateFailure('key', `no firmware key: ${err.message}`);
      });
      const got = await this.#download(run, fault, signal);
      if (!got) return; // stalled on purpose: the seat goes quiet
      this.#report(run, { state: 'verifying' });
      await delay(timing.verifyMs, undefined, { signal, ref: false });
      const problem = imageProblem(claim, got, key);
      if (problem) throw new UpdateFailure('verify', problem);
      this.#report(run, { state: 'flashing' });
      await delay(timing.flashMs, undefined, { signal, ref: false });
      if (fault === 'crash') return this.#finish(run, () => stats.failed('crash'));
      this.#report(run, { state: 'rebooting' });
      await delay(timing.rebootingMs, undefined, { signal, ref: false });
      const old = this.host.model.lru.firmware;
      if (fault === 'fail-boot') {
        return this.#finish(run, () => {
          stats.failed('fail-boot');
          this.host.model.setUpdate({ state: 'failed', version: claim.version, error: `new image failed to boot; rolled back to ${old}` });
        });
      }
      this.#finish(run, () => {
        this.host.model.setFirmware(claim.version);
        stats.flashed();
      });
    } catch (err) {
      if (signal.aborted) return; // superseded by a newer command, or the simulator stopped
      const kind = err instanceof UpdateFailure ? err.kind : 'internal';
      stats.failed(kind);
      this.#report(run, { state: 'failed', error: (err as Error).message });
      if (this.#run === run) this.#run = undefined;
    }
  }

  /** Streams the image through SHA-256 (on the download thread); undefined when a `timeout` fault stalls it half-way. */
  async #download(run: Run, fault: FirmwareFault | undefined, signal: AbortSignal): Promise<{ bytes: number; sha256: string } | undefined> {
    const { claim } = run;
    try {
      const out = await this.ctx.downloads.fetch({
        url: claim.url,
        tftp: this.ctx.tftp,
        size: claim.size,
        corruptFirst: fault === 'corrupt',
        stallAtHalf: fault === 'timeout',
        onProgress: (progress) => this.#report(run, { state: 'downloading', progress }),
        signal,
      });
      if (out.kind === 'stalled') return undefined;
      this.ctx.stats.downloaded(out.result);
      return { bytes: out.bytes, sha256: out.sha256 };
    } catch (err) {
      if (!signal.aborted) this.ctx.stats.downloadFailed();
      throw new UpdateFailure('download', `download failed: ${(err as Error).message}`);
    }
  }

  /** The run is over: reboot (into whichever image now boots), then `after` (a report the new boot makes). */
  #finish(run: Run, after: () => void): void {
    if (this.#run !== run) return;
    this.#run = undefined;
    this.host.reboot(this.ctx.timing.bootMs);
    after();
  }

  #report(run: Run, report: Omit<UpdateReport, 'version'>): void {
    if (this.#run !== run) return;
    run.state = report.state;
    this.host.model.setUpdate({ ...report, version: run.claim.version });
  }
}

class UpdateFailure extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

function claimOf(a: Record<string, unknown>): (ImageClaim & { url: string }) | undefined {
  const { model, version, url, size, sha256, signature } = a;
  if (typeof model !== 'string' || typeof version !== 'string' || typeof url !== 'string') return undefined;
  if (!Number.isSafeInteger(size) || typeof sha256 !== 'string' || typeof signature !== 'string') return undefined;
  return { model, version, url, size: size as number, sha256, signature };
}
