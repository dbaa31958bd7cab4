import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FirmwareCatalog, type VerifyReport } from '../../firmware/catalog.js';
import { HashPool } from '../../firmware/hash-pool.js';
import { FirmwareKeys } from '../../firmware/keys.js';
import type { ControllerContext } from '../contract/feature.js';
import type { PurserConfig } from '../contract/config.js';
import { HealthCell, type Service } from '../core/service.js';
import { WhileRunning } from '../core/while-running.js';
import { workerExecArgv } from '../core/worker-thread.js';

/** Where uploads wait while they are imported; never served. */
export const INCOMING_DIR = 'firmware-incoming';

export function firmwareRoot(config: PurserConfig): string {
  return config.firmware.root ?? join(config.stateDir, 'tftp');
}

/**
 * The firmware catalog, running: keys loaded, the startup check done before
 * anything else may touch it, every image rehashed in the background after
 * start and then every `verifyIntervalMs`, and the hashing pool closed on stop.
 */
export class FirmwareService implements Service {
  readonly name = 'firmware';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly root: string;
  readonly incomingDir: string;
  /** The catalog and its keys while the service runs; FIRMWARE_UNAVAILABLE (503) otherwise. */
  readonly running = new WhileRunning<{ catalog: FirmwareCatalog; keys: FirmwareKeys }>('the firmware catalog', 'FIRMWARE_UNAVAILABLE');
  #pool: HashPool | undefined;
  #verifying: Promise<VerifyReport> | undefined;
  #timers: NodeJS.Timeout[] = [];

  constructor(private readonly ctx: ControllerContext) {
    this.root = firmwareRoot(ctx.config);
    this.incomingDir = join(ctx.config.stateDir, INCOMING_DIR);
  }

  async start(): Promise<void> {
    const { config, db, log } = this.ctx;
    const keys = await loadKeys(config);
    const pool = (this.#pool = new HashPool({ execArgv: workerExecArgv() }));
    const catalog = new FirmwareCatalog({ db, root: this.root, keys, pool, log: log.child({ service: 'firmware' }) });
    const plan = await catalog.startupCheck();
    const repaired = plan.quarantineRows.length + plan.quarantineFiles.length + plan.removeTemp.length + plan.rewriteManifests.length;
    if (repaired > 0) log.warn({ ...plan }, 'firmware startup check repaired the catalog');
    await clearDir(this.incomingDir);
    this.running.up({ catalog, keys });
    this.#health.set('ok');
    log.info({ images: catalog.list().length, keyId: keys.keyId, canSign: keys.canSign, root: this.root }, 'firmware catalog ready');
    this.#later(0, () => void this.verify());
    const every = config.firmware.verifyIntervalMs;
    if (every > 0) this.#timers.push(setInterval(() => void this.verify(), every).unref());
  }

  /** Rehashes every image (one run at a time; a second caller shares the run in progress). */
  verify(): Promise<VerifyReport> {
    const catalog = this.running.peek()?.catalog;
    if (!catalog) return Promise.reject(this.running.notRunning());
    this.#verifying ??= catalog
      .verifyAll()
      .then((report) => {
        const { log } = this.ctx;
        if (report.quarantined.length > 0) log.warn({ ...report }, 'firmware images quarantined by the background check');
        else log.info({ checked: report.checked, unchecked: report.unchecked.length }, 'firmware images verified');
        this.#health.set(report.unchecked.length > 0 ? 'degraded' : 'ok', report.unchecked.length > 0 ? `${report.unchecked.length} images could not be read` : undefined);
        return report;
      })
      .finally(() => (this.#verifying = undefined));
    return this.#verifying;
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
    this.running.down();
    // A verify in progress reports its images as unchecked when the pool closes: nothing is quarantined for it.
    await this.#pool?.close();
    this.#pool = undefined;
    await this.#verifying?.catch(() => undefined);
    this.#health.set('down', 'stopped');
  }

  #later(ms: number, fn: () => void): void {
    this.#timers.push(setTimeout(fn, ms).unref());
  }
}

/** A release key held elsewhere (publicKeyFile: verify only), else our own signing key, else nothing to trust. */
async function loadKeys(config: PurserConfig): Promise<FirmwareKeys> {
  const { publicKeyFile, sign } = config.firmware;
  if (publicKeyFile) return FirmwareKeys.loadPublicKey(publicKeyFile);
  if (sign) return FirmwareKeys.loadOrCreateSigningKey(config.stateDir);
  throw new Error('firmware.sign is false and firmware.publicKeyFile is not set: no key to verify images with');
}

/** Uploads a power cut interrupted: never imported, safe to drop. */
async function clearDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const name of await readdir(dir)) await rm(join(dir, name), { force: true, recursive: true });
}
