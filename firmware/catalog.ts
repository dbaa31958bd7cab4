import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { FirmwareTable, type FirmwareRecord } from './catalog-table.js';
import { findDetachedSignature } from './detached-signature.js';
import { FirmwareError } from './errors.js';
import type { HashPool, HashResult, ProgressFn } from './hash-pool.js';
import { ImageStore, type StagedImage } from './image-store.js';
import type { FirmwareKeys } from './keys.js';
import { assertName, assertSignatureText, isName, signedMessage, type FirmwareManifest } from './manifest.js';
import { planStartup, type StartupPlan } from './startup-plan.js';

export { FIRMWARE_MIGRATIONS, type FirmwareRecord, type FirmwareState } from './catalog-table.js';
export type { StartupPlan } from './startup-plan.js';

export interface FirmwareCatalogOptions {
  /** With FIRMWARE_MIGRATIONS applied. */
  db: Database.Database;
  /** The TFTP root: images live under `<root>/firmware`, rejects under `<root>/quarantine`. */
  root: string;
  keys: FirmwareKeys;
  pool: HashPool;
  log: Logger;
  /** Wall clock, for importedAt, signedAt and quarantine file names only. */
  now?: () => number;
}

export interface ImportOptions {
  model: string;
  version: string;
  /** Base64 Ed25519 signature made elsewhere; otherwise `<path>.sig` or a manifest beside the image, or we sign. */
  signature?: string;
  onProgress?: ProgressFn;
}

export interface VerifyReport {
  checked: number;
  quarantined: { model: string; version: string; reason: string }[];
  /** Images that could not be read for a reason other than being gone; left as they were. */
  unchecked: { model: string; version: string; error: string }[];
}

// What the TFTP server is asked for: firmware/<model>/<version>.img (or its .json manifest).
const SERVED_PATH = /^\/?firmware\/([^/]+)\/([^/]+)\.(img|json)$/;

/**
 * The firmware images this controller can roll out: files under the TFTP root,
 * rows in SQLite. A row is committed only after its image is durably in place
 * and its signature verified, and only images with a `ready` row are served.
 */
export class FirmwareCatalog {
  readonly #table: FirmwareTable;
  readonly #store: ImageStore;
  readonly #keys: FirmwareKeys;
  readonly #log: Logger;
  readonly #now: () => number;
  /**
   * Images whose bytes this process has hashed (imported here, or passed
   * verifyAll), by `model/version`: only these are served. After a restart
   * a ready row's file may have been damaged by the cut, so until the
   * background check reaches it, it is not handed to a seat.
   */
  readonly #verified = new Set<string>();
  /** Serialises every change to rows and published files. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor({ db, root, keys, pool, log, now = Date.now }: FirmwareCatalogOptions) {
    this.#table = new FirmwareTable(db);
    this.#store = new ImageStore(root, pool, now);
    this.#keys = keys;
    this.#log = log;
    this.#now = now;
  }

  /**
   * Copies the image in, hashing it in a worker, verifies or makes its
   * signature, and publishes it. The same bytes again return the existing
   * record (and restore a quarantined one); other bytes under an existing
   * model and version are refused.
   */
  async import(src: string, { model, version, signature, onProgress }: ImportOptions): Promise<FirmwareRecord> {
    assertName('model', model);
    assertName('version', version);
    if (signature !== undefined) assertSignatureText(signature);
    const staged = await this.#store.stage(src, model, version, onProgress);
    try {
      // An empty file is a failed copy or a wrong path, never firmware: flashing it would brick the seat.
      if (staged.size === 0) throw new FirmwareError('invalid', `${src} is empty: not a firmware image`, 'size');
      const manifest = await this.#manifestFor(src, staged, model, version, signature);
      return await this.#exclusive(() => this.#publish(staged.tmp, manifest));
    } finally {
      await this.#store.discard(staged.tmp);
    }
  }

  list(): FirmwareRecord[] {
    return this.#table.list();
  }

  get(model: string, version: string): FirmwareRecord | undefined {
    return this.#table.get(model, version);
  }

  isServable(model: string, version: string): boolean {
    return this.#table.get(model, version)?.state === 'ready';
  }

  /** Its bytes were hashed by this process and matched (import or verifyAll). */
  isVerified(model: string, version: string): boolean {
    return this.#verified.has(`${model}/${version}`);
  }

  /** For the TFTP server's resolve hook: `firmware/<model>/<version>.img|.json` of a ready image, else null. */
  resolveForServing(relativePath: string): string | null {
    const [, model = '', version = '', ext] = SERVED_PATH.exec(relativePath) ?? [];
    if (!isName(model) || !isName(version) || !this.isServable(model, version) || !this.isVerified(model, version)) return null;
    return join(this.#store.firmwareDir, model, `${version}.${ext}`);
  }

  /**
   * Run at start, before any import: deletes temp files a power cut left and
   * quarantines every file or row that does not match the other side. Checks
   * names and sizes only, to keep boot fast; content is verifyAll's job.
   */
  startupCheck(): Promise<StartupPlan> {
    return this.#exclusive(async () => {
      await this.#store.ensureLayout();
      const plan = planStartup(await this.#store.scan(), this.#table.list());
      for (const { model, version, reason } of plan.quarantineRows) {
        this.#table.quarantine(model, version, reason);
        this.#log.warn({ model, version, reason }, 'firmware image quarantined');
      }
      for (const rel of plan.removeTemp) await this.#store.removeTemp(rel);
      for (const { rel, reason } of plan.quarantineFiles) {
        const movedTo = await this.#store.quarantine(rel);
        this.#log.warn({ file: rel, movedTo, reason }, 'firmware file quarantined');
      }
      for (const record of plan.rewriteManifests) await this.#store.writeManifest(record);
      return plan;
    });
  }

  /** Rehashes every ready image in the workers and checks its signature; quarantines any that fail. */
  async verifyAll(): Promise<VerifyReport> {
    const report: VerifyReport = { checked: 0, quarantined: [], unchecked: [] };
    const ready = this.#table.list().filter((r) => r.state === 'ready');
    await Promise.all(
      ready.map(async (record) => {
        const { model, version } = record;
        let reason: string | undefined;
        try {
          reason = await this.#problemWith(record);
        } catch (err) {
          const error = (err as Error).message;
          report.unchecked.push({ model, version, error });
          this.#log.warn({ model, version, err }, 'firmware image could not be verified');
          return;
        }
        report.checked++;
        if (reason === undefined) {
          // Still the same import (not quarantined or replaced while it was hashed): its bytes are the ones checked.
          if (this.#table.get(model, version)?.importedAt === record.importedAt) this.#verified.add(`${model}/${version}`);
        } else if (await this.#quarantine(record, reason)) {
          report.quarantined.push({ model, version, reason });
        }
      }),
    );
    return report;
  }

  async #manifestFor(
    src: string,
    staged: StagedImage,
    model: string,
    version: string,
    signature: string | undefined,
  ): Promise<FirmwareManifest> {
    const fields = { model, version, size: staged.size, sha256: staged.sha256 };
    const message = signedMessage(fields);
    const { keyId } = this.#keys;
    const offered =
      signature === undefined
        ? await findDetachedSignature(src, model, version)
        : { signature, from: 'the import request', signedAt: undefined };
    if (offered) {
      if (!this.#keys.verify(message, offered.signature)) {
        throw new FirmwareError(
          'bad-signature',
          `the signature from ${offered.from} does not verify for ${model} ${version} ` +
            `(${staged.size} bytes, sha256 ${staged.sha256}) with firmware key ${keyId}`,
        );
      }
      const signedAt = offered.signedAt === undefined ? {} : { signedAt: offered.signedAt };
      return { ...fields, signature: offered.signature, ...signedAt, keyId };
    }
    if (!this.#keys.canSign) {
      throw new FirmwareError(
        'unsigned',
        `${model} ${version} is unsigned: no signature was given or found beside ${src}, ` +
          `and this controller holds only the public firmware key ${keyId}`,
      );
    }
    return { ...fields, signature: this.#keys.sign(message), signedAt: this.#now(), keyId };
  }

  async #publish(tmp: string, manifest: FirmwareManifest): Promise<FirmwareRecord> {
    const { model, version, size, sha256 } = manifest;
    const existing = this.#table.get(model, version);
    if (existing && (existing.sha256 !== sha256 || existing.size !== size)) {
      throw new FirmwareError(
        'conflict',
        `${model} ${version} is already in the catalog with other content (sha256 ${existing.sha256}); ` +
          'a new image needs a new version',
      );
    }
    if (existing?.state === 'ready') return existing;
    await this.#store.publish(tmp, manifest);
    // Only now, with the image complete and durable, may it be listed and served.
    const importedAt = this.#now();
    this.#table.putReady(manifest, importedAt);
    this.#verified.add(`${model}/${version}`);
    this.#log.info({ model, version, size, sha256, restored: existing !== undefined }, 'firmware image imported');
    return { ...manifest, state: 'ready', importedAt };
  }

  /** Why this ready image must not be served, or undefined if it is sound. */
  async #problemWith(record: FirmwareRecord): Promise<string | undefined> {
    if (!this.#keys.verify(signedMessage(record), record.signature)) {
      return `signature does not verify with firmware key ${this.#keys.keyId}`;
    }
    let actual: HashResult;
    try {
      actual = await this.#store.hash(record.model, record.version);
    } catch (err) {
      if (!(await this.#store.exists(`${record.model}/${record.version}.img`))) return 'image file missing';
      throw err;
    }
    if (actual.size !== record.size) return `size on disk ${actual.size} bytes, catalog says ${record.size}`;
    if (actual.sha256 !== record.sha256) return `sha256 on disk ${actual.sha256}, catalog says ${record.sha256}`;
    return undefined;
  }

  /** Marks the row first, so the image stops being served at once, then moves its files aside. */
  #quarantine(record: FirmwareRecord, reason: string): Promise<boolean> {
    const { model, version } = record;
    return this.#exclusive(async () => {
      const current = this.#table.get(model, version);
      // Already handled, or re-imported since it was hashed: that verdict no longer applies.
      if (current?.state !== 'ready' || current.importedAt !== record.importedAt) return false;
      this.#table.quarantine(model, version, reason);
      this.#verified.delete(`${model}/${version}`);
      await this.#store.quarantine(`${model}/${version}.img`);
      await this.#store.quarantine(`${model}/${version}.json`);
      this.#log.warn({ model, version, reason }, 'firmware image quarantined');
      return true;
    });
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
