import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NEVER, throwError, type Observable } from 'rxjs';
import type { DeviceEvent } from '../../hardware/usb/block-event.js';
import { MountHelperClient } from '../../hardware/usb/mount-helper/client.js';
import { Mounter } from '../../hardware/usb/mounter.js';
import { UdevMonitor, type MonitorState } from '../../hardware/usb/udev-monitor.js';
import type { SeatSnapshot } from '../cabin/seat-record.js';
import type { EntityUpdate } from '../contract/entities.js';
import type { Feature, FeatureContext } from '../contract/feature.js';
import { HealthCell, type Service } from '../core/service.js';
import { contentSection, type ContentConfig } from './config.js';
import { DriveManager, type DriveStatus } from './drives.js';
import { ContentError } from './errors.js';
import { CONTENT_EVENTS } from './events.js';
import { ingest, type IngestProgress } from './ingest.js';
import { contentVerifier } from './keys.js';
import { DEFAULT_LIMITS } from './manifest.js';
import { ContentLibrary, type ContentCatalog } from './library.js';
import { ContentResync, type ResyncStats } from './resync-runner.js';
import { CATALOG_PATH, contentSeatRoutes, type TransferFigures } from './seat-routes.js';
import { TransferSlots } from './transfer-slots.js';
import { ContentWorkers } from './workers.js';

/** What the feature offers later features (and tests): the library, the drives, and a way to publish. */
export interface ContentService {
  readonly library: ContentLibrary;
  readonly drives: DriveManager;
  /** The versions seats report using or fetching (never garbage-collected). */
  versionsInUse(): Set<string>;
  /** Deletes library versions no seat uses; skipped while a drive is being copied. */
  collectGarbage(): Promise<void>;
  status(): ContentStatus;
}

export interface ContentStatus {
  enabled: boolean;
  monitor: MonitorState | null;
  health: { state: string; detail?: string };
  current: { catalogVersion: string; createdAt: string; files: number; bytes: number } | null;
  versions: ReturnType<ContentLibrary['versions']>;
  lastSync: { catalogVersion: string; url: string; seq: number | null; at: number; error?: string; delivery?: unknown } | null;
  /** content.sync sent again to seats that lag the current catalog. */
  resync: ResyncStats;
  /** File transfers to seats: at once, waiting for a slot, the cap, and how many were told 503 BUSY. */
  transfers: TransferFigures;
  drives: DriveStatus[];
  seats: { seat: string; status: string; serial: string | null; content: SeatSnapshot['content'] }[];
}

declare module '../contract/capabilities.js' {
  interface Capabilities {
    content: ContentService;
  }
}

export interface ContentFeatureOptions {
  /** Only these devices are the feature's business (test rigs share the machine's loop devices). */
  acceptDevice?: (ev: DeviceEvent) => boolean;
  /** Ingest tuning (tests). */
  progressIntervalMs?: number;
  gcIntervalMs?: number;
  /** How long a seat's request for a not yet re-hashed file waits before a 503 (default VERIFY_WAIT_MS). */
  verifyWaitMs?: number;
}

/** Entities are written on a state change at once, and at most once a second otherwise (progress). */
class ThrottledEntities {
  readonly #last = new Map<string, { state: string; at: number }>();
  readonly #pending = new Map<string, EntityUpdate>();
  #timer: NodeJS.Timeout | undefined;
  constructor(private readonly write: (u: EntityUpdate) => void) {}
  set(u: EntityUpdate): void {
    const last = this.#last.get(u.id);
    const now = performance.now();
    if (!last || last.state !== u.state || now - last.at >= 1000) {
      this.#pending.delete(u.id);
      this.#last.set(u.id, { state: u.state, at: now });
      this.write(u);
      return;
    }
    this.#pending.set(u.id, u);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      const all = [...this.#pending.values()];
      this.#pending.clear();
      for (const p of all) {
        this.#last.set(p.id, { state: p.state, at: performance.now() });
        this.write(p);
      }
    }, 1000);
    this.#timer.unref();
  }
  stop(): void {
    clearTimeout(this.#timer);
  }
}

function driveEntity(d: DriveStatus): EntityUpdate {
  const { id, name, state, ...attributes } = d;
  return { id, kind: 'drive', name: d.usbDevice ? `USB device ${name.replace(/^usb-/, '')}` : `Content drive ${name}`, state, attributes };
}

async function publicKeyOf(config: ContentConfig): Promise<string | undefined> {
  if (config.publicKey) return config.publicKey;
  if (config.publicKeyFile) return readFile(config.publicKeyFile, 'utf8');
  return undefined;
}

const bytesOf = (cat: ContentCatalog) => cat.files.reduce((n, f) => n + f.size, 0);

/**
 * Content drives: USB block devices (udevadm) -> classify -> read-only mount ->
 * verified ingest on worker threads -> library switch -> content.sync to every
 * seat (tracked) -> seats fetch over /content/v1 (signed per LRU, Range).
 * Drives are entities (`drive:<label>`, `drive:usb-<port>` for a whole USB
 * device); a refused one opens an alert in the alert book (src/alerts/book.ts)
 * until it is removed or acknowledged, besides the `drive.refused` and
 * `system` events. docs/content.md.
 */
export function contentFeature(options: ContentFeatureOptions = {}): Feature {
  return {
    name: 'content',
    config: { content: { schema: contentSection } },
    events: CONTENT_EVENTS,
    async setup(ctx: FeatureContext) {
      const config = ctx.config.content;
      const log = ctx.log.child({ service: 'content' });
      const commands = ctx.need('commands');
      const workers = new ContentWorkers({ maxThreads: 2 });
      const slots = new TransferSlots(config.maxTransfers);
      // Read in the service's start, after seats are answered: its check grows with the library (routes answer 503 STARTING until then).
      const library = ContentLibrary.unopened({ dir: config.libraryDir ?? join(ctx.config.stateDir, 'content'), workers, log });
      let keyText: string | undefined;
      let keyError: string | undefined;
      try {
        keyText = await publicKeyOf(config);
        if (keyText) contentVerifier(keyText.trim());
      } catch (err) {
        keyError = `the content public key (content.publicKeyFile / content.publicKey) is unusable: ${(err as Error).message}`;
        keyText = undefined;
      }
      const limits = { maxFiles: config.maxFiles, maxTotalBytes: config.maxBytes };
      const runIngest = (drive: string): Observable<IngestProgress> => {
        if (!keyText) return throwError(() => new ContentError('key', keyError ?? 'no content signing key is configured (content.publicKeyFile), so no drive can be verified'));
        return ingest({
          drive,
          publicKey: keyText.trim(),
          library,
          workers,
          allowOlder: config.allowOlder,
          spareBytes: config.spareBytes,
          ...(config.copyBytesPerSecond ? { copyBytesPerSecond: config.copyBytesPerSecond } : {}),
          progressIntervalMs: options.progressIntervalMs ?? 250,
          log,
          limits: { ...DEFAULT_LIMITS, ...limits },
        });
      };

      const monitor = config.enabled
        ? new UdevMonitor({ log, udevadm: config.udevadm, subsystems: config.watchUsbDevices ? ['block', 'usb'] : ['block'] })
        : undefined;
      // Unprivileged on the aircraft: the root-run helper mounts (its root is its own, set in its unit).
      const mounter = config.mountHelperSocket
        ? new MountHelperClient({ socketPath: config.mountHelperSocket })
        : new Mounter({ mountRoot: config.mountRoot ?? join(ctx.config.stateDir, 'media'), log, commandPrefix: config.mountCommandPrefix });
      const drives = new DriveManager({
        events$: monitor?.events$ ?? NEVER,
        classify: { allowedFilesystems: config.allowedFilesystems, requireUsb: config.requireUsb, allowLoopDevices: config.allowLoopDevices },
        mounter,
        ingest: runIngest,
        accept: options.acceptDevice,
        log,
      });
      const entities = new ThrottledEntities((u) => ctx.entities.set(u));

      // Base URL for content.sync: the configured one, else where seats reach us (plain HTTP on http.port, TLS or not; the port the controller holds).
      const { host, port } = ctx.config.http;
      const base = config.advertiseUrl ? config.advertiseUrl.replace(/\/$/, '') : `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

      const resync = new ContentResync({
        policy: { graceMs: config.resyncGraceMs, seatIntervalMs: config.resyncSeatIntervalMs, maxSeatIntervalMs: 3_600_000, seatsPerPlan: config.resyncSeatsPerSecond },
        commands,
        registry: ctx.registry,
        bus: ctx.bus,
        log,
        catalogUrl: () => `${base}${CATALOG_PATH}`,
      });

      let lastSync: ContentStatus['lastSync'] = null;
      const publishSync = (cat: ContentCatalog) => {
        const at = Date.now();
        const url = `${base}${CATALOG_PATH}`;
        resync.planner.setCurrent(cat.catalogVersion);
        try {
          const st = commands.issue({ target: { all: true }, cmd: 'content.sync', args: { catalogVersion: cat.catalogVersion, url } }, { issuer: 'content' });
          resync.planner.sent('all', st.seq, st.expiresAt, performance.now());
          lastSync = { catalogVersion: cat.catalogVersion, url, seq: st.seq, at };
          ctx.bus.publish({ type: 'content.published', seat: null, at, catalogVersion: cat.catalogVersion, commandSeq: st.seq });
        } catch (err) {
          lastSync = { catalogVersion: cat.catalogVersion, url, seq: null, at, error: (err as Error).message };
          log.error({ err: (err as Error).message }, 'content.sync failed');
          ctx.bus.publish({ type: 'content.published', seat: null, at, catalogVersion: cat.catalogVersion, commandSeq: null });
        }
      };

      const versionsInUse = (): Set<string> => {
        const inUse = new Set<string>();
        for (const s of ctx.registry.all()) {
          if (s.content?.version) inUse.add(s.content.version);
          if (s.content?.target) inUse.add(s.content.target);
        }
        return inUse;
      };
      const collectGarbage = async () => {
        try {
          const r = await library.gc(versionsInUse());
          if (r.versionsRemoved.length > 0 || r.objectsRemoved > 0) {
            ctx.bus.publish({ type: 'content.gc', seat: null, at: Date.now(), versions: r.versionsRemoved, objects: r.objectsRemoved, bytes: r.bytesFreed });
          }
        } catch (err) {
          if (!(err instanceof ContentError && err.code === 'busy')) log.warn({ err: (err as Error).message }, 'content gc failed');
        }
      };

      const libraryEntity = () => {
        const cat = library.catalog();
        const seats = ctx.registry.all();
        const onCurrent = seats.filter((s) => cat && s.content?.version === cat.catalogVersion).length;
        const syncing = seats.filter((s) => s.content?.state === 'syncing').length;
        const failed = seats.filter((s) => s.content?.state === 'failed').length;
        entities.set({
          id: 'content:library',
          kind: 'content',
          name: 'Content library',
          state: cat ? 'ready' : 'empty',
          attributes: { catalogVersion: cat?.catalogVersion ?? null, files: cat?.files.length ?? 0, bytes: cat ? bytesOf(cat) : 0, seatsOnCurrent: onCurrent, seatsSyncing: syncing, seatsFailed: failed, lastSync },
        });
      };

      const health = new HealthCell('down', 'not started');
      const subs: { unsubscribe(): void }[] = [];
      let gcTimer: NodeJS.Timeout | undefined;
      let entityTimer: NodeJS.Timeout | undefined;
      let last: string | undefined;

      const service: Service = {
        name: 'content',
        health$: health.health$,
        async start() {
          await library.load();
          last = library.currentVersion;
          resync.planner.setCurrent(library.currentVersion ?? null);
          subs.push(drives.changes$.subscribe((d) => entities.set(driveEntity(d))));
          subs.push(
            drives.notices$.subscribe((n) => {
              const at = Date.now();
              const d = n.drive;
              if (n.type === 'inserted') ctx.bus.publish({ type: 'drive.inserted', seat: null, at, drive: d.id, devname: d.devname ?? '', fsType: d.fsType ?? '', label: d.label });
              else if (n.type === 'refused') {
                ctx.bus.publish({ type: 'drive.refused', seat: null, at, drive: d.id, devname: d.devname, code: n.code, reason: n.reason });
                // The panel's log line; the alert book raises its alert from the drive entity (state refused, attribute alert).
                ctx.bus.publish({ type: 'system', seat: null, at, message: `USB device refused (${d.name}): ${n.reason}`, detail: { drive: d.id, code: n.code } });
              } else if (n.type === 'removed') ctx.bus.publish({ type: 'drive.removed', seat: null, at, drive: d.id, state: d.state, message: d.message });
              else if (n.type === 'failed') ctx.bus.publish({ type: 'content.failed', seat: null, at, drive: d.id, code: n.code, message: n.message });
              else ctx.bus.publish({ type: 'content.ingested', seat: null, at, drive: d.id, catalogVersion: n.catalogVersion, filesCopied: d.filesCopied, filesReused: d.filesReused, bytesCopied: d.bytesDone });
            }),
          );
          subs.push(
            library.current$.subscribe((cat) => {
              // A current catalog that lost an object to disk damage, or went: seats are not chased towards it.
              if (!cat) resync.planner.setCurrent(null);
              if (!cat || cat.catalogVersion === last) return;
              last = cat.catalogVersion;
              publishSync(cat);
              void collectGarbage();
            }),
          );
          resync.start();
          entityTimer = setInterval(libraryEntity, 2000);
          entityTimer.unref();
          libraryEntity();
          gcTimer = setInterval(() => void collectGarbage(), options.gcIntervalMs ?? 60_000);
          gcTimer.unref();
          if (!monitor) {
            health.set('degraded', 'content drives are disabled (content.enabled: false); seats are still served');
            return;
          }
          await mounter.unmountStale().catch((err: Error) => log.warn({ err: err.message }, 'could not clean up old mounts'));
          subs.push(
            monitor.state$.subscribe((s) => {
              if (s.state === 'running' && s.detail === 'listening') health.set('ok');
              else if (s.state === 'running') health.set('degraded', `content drives: ${s.detail}`);
              else health.set('degraded', `content drives cannot be detected: ${s.detail}${/ENOENT/.test(s.detail) ? ' (is udev installed? udevadm was not found)' : ''}`);
            }),
          );
          if (!keyText) log.warn({ reason: keyError ?? 'no content.publicKeyFile' }, 'content drives will be refused: no usable content key');
          drives.start();
          await monitor.start();
        },
        async stop() {
          resync.stop();
          clearInterval(gcTimer);
          clearInterval(entityTimer);
          entities.stop();
          for (const s of subs.splice(0)) s.unsubscribe();
          await monitor?.stop();
          await drives.stop();
          await workers.close();
          health.set('down', 'stopped');
        },
      };

      const content: ContentService = {
        library,
        drives,
        versionsInUse,
        collectGarbage,
        status: () => {
          const cat = library.catalog();
          const st = lastSync?.seq != null ? commands.status(lastSync.seq) : undefined;
          return {
            enabled: config.enabled,
            monitor: monitor?.state ?? null,
            health: health.value,
            current: cat ? { catalogVersion: cat.catalogVersion, createdAt: cat.createdAt, files: cat.files.length, bytes: bytesOf(cat) } : null,
            versions: library.versions(),
            lastSync: lastSync ? { ...lastSync, ...(st ? { delivery: { state: st.state, targeted: st.targeted, acked: st.acked, pending: st.pending.length, offline: st.offline.length } } : {}) } : null,
            resync: { ...resync.stats, watching: resync.planner.watching },
            transfers: { active: slots.active, queued: slots.queued, max: slots.max, busy: slots.timedOut },
            drives: drives.drives,
            seats: ctx.registry.all().map((s) => ({ seat: s.seat, status: s.status, serial: s.lru?.serial ?? null, content: s.content ?? null })),
          };
        },
      };

      return {
        services: [service],
        routes: [
          contentSeatRoutes(library, { windowMs: config.authWindowMs, slots, ...(options.verifyWaitMs !== undefined ? { verifyWaitMs: options.verifyWaitMs } : {}) }),
          async (a) => {
            a.get('/api/v1/content', async () => content.status());
          },
        ],
        provides: { content },
      };
    },
  };
}
