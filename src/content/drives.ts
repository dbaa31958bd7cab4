import { basename } from 'node:path';
import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import type { DeviceEvent } from '../../hardware/usb/block-event.js';
import { classifyDevice, type ClassifyConfig } from '../../hardware/usb/classify.js';
import type { MountedDrive, MountRequest } from '../../hardware/usb/mounter.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { ContentError } from './errors.js';
import type { IngestProgress } from './ingest.js';
import { refusalText } from './refusal-text.js';

/**
 * What a drive is doing, in the words the panel and `purser content status` show:
 * inserted -> mounting -> verifying -> copying -> safe-to-remove, or refused / failed / removed.
 */
export type DriveState = 'inserted' | 'verifying' | 'copying' | 'safe-to-remove' | 'refused' | 'failed' | 'removed';

export interface DriveStatus {
  /** `drive:<label or device name>`: the same stick keeps its id when plugged again (a loop number or sdX may change). */
  id: string;
  name: string;
  state: DriveState;
  devpath: string;
  devname: string | null;
  label: string | null;
  fsType: string | null;
  catalogVersion: string | null;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  filesCopied: number;
  filesReused: number;
  bytesPerSecond: number | null;
  etaSeconds: number | null;
  currentFile: string | null;
  /** One line for the crew: what happens now, or what went wrong and what to do. */
  message: string;
  error: { code: string; message: string } | null;
  safeToRemove: boolean;
  since: number;
  /** A whole USB device (keyboard, network adapter), not a drive's block device. */
  usbDevice: boolean;
  /** While refused: the sentence the alert book shows the crew ("A USB keyboard was plugged into the head-end and refused. ..."). */
  alert: string | null;
}

/** What the manager tells its owner (the feature turns these into events and a publish). */
export type DriveNotice =
  | { type: 'inserted'; drive: DriveStatus }
  | { type: 'refused'; drive: DriveStatus; code: string; reason: string }
  | { type: 'removed'; drive: DriveStatus }
  | { type: 'failed'; drive: DriveStatus; code: string; message: string }
  | { type: 'ingested'; drive: DriveStatus; catalogVersion: string };

export interface DriveManagerOptions {
  events$: Observable<DeviceEvent>;
  classify: ClassifyConfig & { allowLoopDevices?: boolean };
  mounter: { mount(req: MountRequest): Promise<MountedDrive>; unmount(mountPoint: string): Promise<{ lazy: boolean }> };
  /** Runs one ingest of a mounted drive (subscribe to run, unsubscribe to stop). */
  ingest: (mountPoint: string) => Observable<IngestProgress>;
  /** Devices a test rig may restrict the manager to (other loop devices on a shared machine are not ours). */
  accept?: (ev: DeviceEvent) => boolean;
  log?: LogSink;
  now?: () => number;
}

interface Active {
  status: DriveStatus;
  mount?: MountedDrive;
  ingest?: Subscription;
  /** Bumped on remove: late callbacks of an earlier insertion are dropped. */
  generation: number;
}

const isLoop = (ev: DeviceEvent) => (ev.devname ?? '').startsWith('/dev/loop') || ev.devpath.includes('/virtual/block/loop');

/**
 * Content drives from block-device events: classifies on `add` and on `change`
 * (loop devices and freshly formatted partitions only gain ID_FS_TYPE on a
 * change), keyed on devpath so a repeated add is idempotent; mounts a
 * candidate read-only, runs the ingest, unmounts when it ends. A drive pulled
 * mid-copy stops the ingest (verified files stay; re-inserting resumes).
 * Knows no cabin: its owner turns `notices$` into events, alerts and entities.
 */
/** How long a drive waits for the library to be free: BUSY_RETRIES x BUSY_RETRY_MS. */
const BUSY_RETRIES = 40;
const BUSY_RETRY_MS = 250;

export class DriveManager {
  readonly #byDevpath = new Map<string, Active>();
  readonly #drives = new BehaviorSubject<ReadonlyMap<string, DriveStatus>>(new Map());
  readonly #notices = new Subject<DriveNotice>();
  readonly #changes = new Subject<DriveStatus>();
  readonly #log: LogSink;
  readonly #now: () => number;
  #sub: Subscription | undefined;
  #generation = 0;
  /** Drives by id, kept after removal so the crew sees "removed" and the last progress. */
  readonly #known = new Map<string, DriveStatus>();

  readonly notices$: Observable<DriveNotice> = this.#notices.asObservable();
  /** Each drive's status as it changes (progress at the ingest's own pace, about 4 a second). */
  readonly changes$: Observable<DriveStatus> = this.#changes.asObservable();
  readonly drives$: Observable<ReadonlyMap<string, DriveStatus>> = this.#drives.asObservable();

  constructor(private readonly o: DriveManagerOptions) {
    this.#log = o.log ?? silentLog;
    this.#now = o.now ?? Date.now;
  }

  start(): void {
    this.#sub ??= this.o.events$.subscribe((ev) => this.#onEvent(ev));
  }

  /** Stops listening, stops every ingest and unmounts. */
  async stop(): Promise<void> {
    this.#sub?.unsubscribe();
    this.#sub = undefined;
    const all = [...this.#byDevpath.values()];
    this.#byDevpath.clear();
    await Promise.all(all.map((a) => this.#release(a)));
  }

  get drives(): DriveStatus[] {
    return [...this.#known.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  #onEvent(ev: DeviceEvent): void {
    try {
      if (this.o.accept && !this.o.accept(ev)) return;
      if (ev.action === 'remove') return this.#removed(ev.devpath);
      if (ev.action !== 'add' && ev.action !== 'change') return;
      const loop = isLoop(ev);
      if (loop && !this.o.classify.allowLoopDevices) return;
      const verdict = classifyDevice(ev, { allowedFilesystems: this.o.classify.allowedFilesystems, requireUsb: this.o.classify.requireUsb && !loop });
      const active = this.#byDevpath.get(ev.devpath);
      if (verdict.kind === 'candidate-content-drive') {
        // A repeated add, or a change that keeps the filesystem: nothing new.
        if (active && active.status.state !== 'refused') return;
        this.#begin(ev, verdict.devname, verdict.fsType, verdict.label);
        return;
      }
      if (verdict.kind === 'ignored') {
        // A loop detached shows as a change losing ID_FS_TYPE: the drive is gone.
        if (active && ev.action === 'change' && !ev.idFsType) this.#removed(ev.devpath);
        return;
      }
      if (active?.status.state === 'refused' && active.status.error?.code === verdict.code) return;
      // A whole USB device is named by its port (1-2): its /dev/bus/usb number is reused across buses.
      const usbDevice = ev.subsystem === 'usb';
      const name = usbDevice ? `usb-${basename(ev.devpath)}` : ev.idFsLabel || (ev.devname ? basename(ev.devname) : basename(ev.devpath));
      const status = this.#status(`drive:${name}`, name, ev, {
        state: 'refused',
        message: `Not used: ${verdict.reason}.`,
        error: { code: verdict.code, message: verdict.reason },
        alert: refusalText({ usbDevice, name }, verdict.reason),
      });
      this.#byDevpath.set(ev.devpath, { status, generation: ++this.#generation });
      this.#set(status);
      this.#notices.next({ type: 'refused', drive: status, code: verdict.code, reason: verdict.reason });
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, devpath: ev.devpath }, 'drive event failed');
    }
  }

  #status(id: string, name: string, ev: DeviceEvent, over: Partial<DriveStatus>): DriveStatus {
    const prev = this.#known.get(id);
    return {
      id,
      name,
      state: 'inserted',
      devpath: ev.devpath,
      devname: ev.devname ?? null,
      label: ev.idFsLabel ?? null,
      fsType: ev.idFsType ?? null,
      catalogVersion: prev?.catalogVersion ?? null,
      filesDone: 0,
      filesTotal: 0,
      bytesDone: 0,
      bytesTotal: 0,
      filesCopied: 0,
      filesReused: 0,
      bytesPerSecond: null,
      etaSeconds: null,
      currentFile: null,
      message: '',
      error: null,
      safeToRemove: false,
      since: this.#now(),
      usbDevice: ev.subsystem === 'usb',
      alert: null,
      ...over,
    };
  }

  #begin(ev: DeviceEvent, devname: string, fsType: string, label: string | undefined): void {
    const name = label || basename(devname);
    const id = `drive:${name}`;
    // The same device heard again under another devpath (coldplug enumeration and the monitor can name it
    // differently): the drive already being handled, not a second one to mount.
    for (const [devpath, a] of this.#byDevpath) {
      if (devpath !== ev.devpath && a.status.devname === devname && a.status.state !== 'removed' && a.status.state !== 'refused') {
        this.#byDevpath.delete(devpath);
        this.#byDevpath.set(ev.devpath, a);
        return;
      }
    }
    // The same stick under another device (re-plugged before its remove was heard): the old one is gone.
    for (const [devpath, a] of this.#byDevpath) if (a.status.id === id && devpath !== ev.devpath) this.#removed(devpath);
    const status = this.#status(id, name, ev, { state: 'inserted', devname, fsType, label: label ?? null, message: 'Drive found: checking it.' });
    const active: Active = { status, generation: ++this.#generation };
    this.#byDevpath.set(ev.devpath, active);
    this.#set(status);
    this.#notices.next({ type: 'inserted', drive: status });
    void this.#run(ev.devpath, active, { devname, fsType, name });
  }

  async #run(devpath: string, active: Active, req: MountRequest): Promise<void> {
    const gen = active.generation;
    // Still this drive's run: it may have been re-keyed to another devpath since (the same device heard again).
    const live = () => active.generation === gen && [...this.#byDevpath.values()].includes(active);
    try {
      active.mount = await this.o.mounter.mount(req);
    } catch (err) {
      if (!live()) return;
      const msg = (err as Error).message;
      this.#update(active, { state: 'failed', message: `Could not open the drive: ${msg}. Remove it and insert it again.`, error: { code: 'mount', message: msg } });
      this.#notices.next({ type: 'failed', drive: active.status, code: 'mount', message: msg });
      return;
    }
    if (!live()) {
      await this.o.mounter.unmount(active.mount.mountPoint).catch(() => undefined);
      return;
    }
    this.#update(active, { state: 'verifying', message: 'Checking the drive’s signature.' });
    this.#startIngest(active, live, 0);
  }

  /** A drive plugged again while the ingest it was pulled from still winds down finds the library busy for a moment: it waits its turn. */
  #startIngest(active: Active, live: () => boolean, busyRetries: number): void {
    if (!active.mount) return;
    active.ingest = this.o.ingest(active.mount.mountPoint).subscribe({
      next: (p) => {
        if (!live()) return;
        this.#update(active, {
          state: p.phase === 'done' ? 'safe-to-remove' : p.phase === 'verifying' ? 'verifying' : 'copying',
          catalogVersion: p.catalogVersion ?? active.status.catalogVersion,
          filesDone: p.filesDone,
          filesTotal: p.filesTotal,
          bytesDone: p.bytesDone,
          bytesTotal: p.bytesTotal,
          filesCopied: p.filesCopied,
          filesReused: p.filesReused,
          bytesPerSecond: p.bytesPerSecond ?? null,
          etaSeconds: p.etaSeconds ?? null,
          currentFile: p.currentFile ?? null,
          safeToRemove: p.safeToRemove,
          message: p.phase === 'done' ? 'Done: safe to remove the drive.' : p.message,
        });
      },
      error: (err: unknown) => {
        if (!live()) return;
        active.ingest = undefined;
        const e = err instanceof ContentError ? err : new ContentError('io', (err as Error).message);
        if (e.code === 'busy' && busyRetries < BUSY_RETRIES) {
          this.#update(active, { message: 'Waiting for the previous copy to stop.' });
          setTimeout(() => live() && this.#startIngest(active, live, busyRetries + 1), BUSY_RETRY_MS).unref();
          return;
        }
        const refusal = ['not-a-content-drive', 'invalid', 'bad-signature', 'key', 'stale', 'conflict'].includes(e.code);
        this.#update(active, {
          state: refusal ? 'refused' : 'failed',
          message: e.message,
          error: { code: e.code, message: e.message },
          safeToRemove: refusal || e.code === 'drive-removed',
          alert: refusal ? refusalText({ usbDevice: false, name: active.status.name }, e.message) : null,
        });
        if (refusal) this.#notices.next({ type: 'refused', drive: active.status, code: e.code, reason: e.message });
        else this.#notices.next({ type: 'failed', drive: active.status, code: e.code, message: e.message });
        void this.#unmount(active);
      },
      complete: () => {
        if (!live()) return;
        active.ingest = undefined;
        this.#update(active, { state: 'safe-to-remove', safeToRemove: true, etaSeconds: 0, currentFile: null, message: 'Done: safe to remove the drive.' });
        this.#notices.next({ type: 'ingested', drive: active.status, catalogVersion: active.status.catalogVersion ?? '' });
        void this.#unmount(active);
      },
    });
  }

  #removed(devpath: string): void {
    const active = this.#byDevpath.get(devpath);
    if (!active) return;
    this.#byDevpath.delete(devpath);
    active.generation = -1;
    const s = active.status;
    const midway = s.state === 'inserted' || s.state === 'verifying' || s.state === 'copying';
    const message = midway
      ? `Drive removed before copying finished: ${s.filesDone} of ${s.filesTotal || '?'} files are safely on board. Insert it again to continue where it stopped.`
      : s.state === 'safe-to-remove'
        ? 'Removed after copying finished.'
        : `Removed. ${s.message}`;
    this.#update(active, { state: 'removed', safeToRemove: false, alert: null, message, currentFile: null, etaSeconds: null, bytesPerSecond: null, ...(midway ? { error: { code: 'drive-removed', message } } : {}) });
    this.#notices.next({ type: 'removed', drive: active.status });
    void this.#release(active);
  }

  async #release(a: Active): Promise<void> {
    // Unsubscribing cancels the ingest: in-flight copies are stopped and their temp files removed.
    a.ingest?.unsubscribe();
    a.ingest = undefined;
    await this.#unmount(a);
  }

  async #unmount(a: Active): Promise<void> {
    const m = a.mount;
    if (!m) return;
    a.mount = undefined;
    try {
      await this.o.mounter.unmount(m.mountPoint);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, mountPoint: m.mountPoint }, 'unmount failed');
    }
  }

  #update(a: Active, over: Partial<DriveStatus>): void {
    const stateChanged = over.state !== undefined && over.state !== a.status.state;
    a.status = { ...a.status, ...over, ...(stateChanged ? { since: this.#now() } : {}) };
    this.#set(a.status);
  }

  #set(s: DriveStatus): void {
    this.#known.set(s.id, s);
    this.#drives.next(new Map(this.#known));
    this.#changes.next(s);
  }
}
