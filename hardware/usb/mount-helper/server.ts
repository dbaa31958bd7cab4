import { chmod, chown, realpath, stat, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { silentLog, type LogSink } from '../../../core/log.js';
import type { Mounter } from '../mounter.js';
import { readMountinfo } from '../mountinfo.js';
import { LineSplitter, parseRequest, type MountHelperRequest, type MountHelperResponse } from './protocol.js';

/**
 * The root side of privilege separation: a unix stream socket server that runs
 * the one Mounter for an unprivileged controller. The client picks a device
 * and a filesystem; the mount root and the read-only flags are this process's
 * own (the Mounter's), so a client can mount nothing writable, executable or
 * outside the root. Who may connect is the socket file's business (mode 0660,
 * group purser): nobody else can open it. docs/usb.md, "The mount helper".
 */

export interface MountHelperServerOptions {
  mounter: Pick<Mounter, 'mount' | 'unmount' | 'unmountStale' | 'mountRoot'>;
  /** Filesystems it mounts, as udev names them. */
  allowedFilesystems: readonly string[];
  log?: LogSink;
  /**
   * Answer within this, whatever the mount does (a dying drive can hang mount(8)); default 60 s,
   * above the Mounter's worst case (mount then a flag remount, 20 s each). A mount that finishes
   * after it is unmounted again: the client was told it failed.
   */
  requestTimeoutMs?: number;
  /** Lines queued on one connection beyond this close it: a client waits for each answer. */
  maxQueued?: number;
  /** Mount only a device whose sysfs path runs through a USB bus (on the aircraft; loop devices in tests are not). */
  requireUsb?: boolean;
  /** For tests: where the mounts and sysfs are read. */
  mountinfoPath?: string;
  sysDevBlock?: string;
}

export interface MountHelperStats {
  connections: number;
  requests: number;
  served: number;
  /** Well-formed requests refused (not a block device, a filesystem not allowed, outside the root) or failed. */
  refused: number;
  /** Lines that are not a request (not JSON, unknown op, oversize). */
  malformed: number;
  timeouts: number;
}

export class MountHelperServer {
  readonly stats: MountHelperStats = { connections: 0, requests: 0, served: 0, refused: 0, malformed: 0, timeouts: 0 };
  readonly #o: MountHelperServerOptions;
  readonly #log: LogSink;
  readonly #root: string;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #path: string | undefined;

  constructor(opts: MountHelperServerOptions) {
    this.#o = opts;
    this.#log = opts.log ?? silentLog;
    this.#root = resolve(opts.mounter.mountRoot);
  }

  /**
   * Listens on a path it creates (a stale socket file is replaced) with mode
   * 0660 and the given group, or on a socket systemd passed (`fd`, from a .socket unit).
   */
  async listen(where: { path: string; gid?: number; mode?: number } | { fd: number }): Promise<void> {
    const server = createServer((s) => this.#connection(s));
    server.on('error', (err) => this.#log.warn({ err: err.message }, 'mount helper socket error'));
    if ('fd' in where) {
      await new Promise<void>((res, rej) => server.once('error', rej).listen({ fd: where.fd }, () => res()));
    } else {
      const old = await stat(where.path).catch(() => undefined);
      if (old?.isSocket()) await unlink(where.path);
      await new Promise<void>((res, rej) => server.once('error', rej).listen(where.path, () => res()));
      this.#path = where.path;
      // Tighten before anyone can use it: root and the group only.
      await chmod(where.path, where.mode ?? 0o660);
      if (where.gid !== undefined) await chown(where.path, 0, where.gid);
    }
    this.#server = server;
    this.#log.info({ root: this.#root, socket: this.#path ?? 'from systemd', filesystems: this.#o.allowedFilesystems }, 'mount helper listening');
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((res) => server.close(() => res()));
    if (this.#path) await unlink(this.#path).catch(() => undefined);
  }

  /** Handles one request; never throws. Exposed for tests that need no socket. */
  async handle(req: MountHelperRequest): Promise<MountHelperResponse> {
    try {
      const refusal = await this.#refusal(req);
      if (refusal) {
        this.stats.refused++;
        this.#log.warn({ req, reason: refusal }, 'mount helper refused a request');
        return { ok: false, error: refusal };
      }
      const m = this.#o.mounter;
      const answer: MountHelperResponse =
        req.op === 'mount'
          ? { ok: true, drive: await m.mount({ devname: req.devname, fsType: req.fsType, ...(req.name !== undefined ? { name: req.name } : {}) }) }
          : req.op === 'unmount'
            ? { ok: true, lazy: (await m.unmount(resolve(req.mountPoint))).lazy }
            : { ok: true, unmounted: await m.unmountStale() };
      this.stats.served++;
      return answer;
    } catch (err) {
      this.stats.refused++;
      const msg = (err as Error).message;
      this.#log.warn({ req, err: msg }, 'mount helper request failed');
      return { ok: false, error: msg };
    }
  }

  async #refusal(req: MountHelperRequest): Promise<string | undefined> {
    if (req.op === 'mount') {
      if (!this.#o.allowedFilesystems.includes(req.fsType)) return `filesystem ${JSON.stringify(req.fsType)} is not allowed (only ${this.#o.allowedFilesystems.join(', ')})`;
      if (!req.devname.startsWith('/dev/') || req.devname.includes('..')) return `${JSON.stringify(req.devname)} is not a device under /dev`;
      const st = await stat(req.devname).catch(() => undefined);
      if (!st?.isBlockDevice()) return `${req.devname} is not a block device`;
      // A client that is not the controller it claims to be must not get the head-end's own disks
      // mounted where it can read them: nothing mounted already (the system's partitions are), and,
      // on the aircraft, only what hangs off a USB bus.
      const majorMinor = `${deviceMajor(st.rdev)}:${deviceMinor(st.rdev)}`;
      const mounted = await readMountinfo(this.#o.mountinfoPath).then(
        (list) => list.find((e) => e.majorMinor === majorMinor),
        () => undefined,
      );
      if (mounted) return `${req.devname} is already mounted at ${mounted.mountPoint}: only a drive nothing uses is mounted`;
      if (this.#o.requireUsb) {
        const sys = await realpath(`${this.#o.sysDevBlock ?? '/sys/dev/block'}/${majorMinor}`).catch(() => '');
        if (!/\/usb\d*\//.test(sys)) return `${req.devname} is not on a USB bus (${sys || 'no sysfs entry'})`;
      }
    }
    if (req.op === 'unmount') {
      const target = resolve(req.mountPoint);
      if (!target.startsWith(this.#root + '/') || target.slice(this.#root.length + 1).includes('/')) return `${target} is not a mount point under ${this.#root}`;
    }
    return undefined;
  }

  #connection(socket: Socket): void {
    this.stats.connections++;
    this.#sockets.add(socket);
    socket.setEncoding('utf8');
    let chain = Promise.resolve();
    let queued = 0;
    const max = this.#o.maxQueued ?? 8;
    const reply = (r: MountHelperResponse) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(r)}\n`);
    };
    const bad = (error: string) => {
      this.stats.malformed++;
      this.#log.warn({ error }, 'mount helper got a malformed request');
    };
    const splitter = new LineSplitter(
      (line) => {
        if (line.trim() === '') return;
        this.stats.requests++;
        const parsed = parseRequest(line);
        if (!parsed.ok) {
          bad(parsed.error);
          // Answered in order, after whatever is still running.
          chain = chain.then(() => reply({ ok: false, error: parsed.error }));
          return;
        }
        if (++queued > max) {
          bad('too many requests queued');
          socket.destroy();
          return;
        }
        // One request at a time per connection, each answered within the deadline.
        chain = chain.then(async () => {
          reply(await this.#withDeadline(parsed.request));
          queued--;
        });
      },
      () => {
        this.stats.requests++;
        bad('request too long');
        chain = chain.then(() => reply({ ok: false, error: 'request too long' }));
      },
    );
    socket.on('data', (d: string) => splitter.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  #withDeadline(req: MountHelperRequest): Promise<MountHelperResponse> {
    const ms = this.#o.requestTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const work = this.handle(req);
    const late = new Promise<MountHelperResponse>((res) => {
      timer = setTimeout(() => {
        timedOut = true;
        this.stats.timeouts++;
        this.#log.warn({ req, ms }, 'mount helper request timed out');
        res({ ok: false, error: `${req.op} did not finish within ${ms} ms` });
      }, ms);
    });
    // The client was told this mount failed: if it succeeds after all, nobody would ever unmount it.
    void work.then((r) => {
      if (timedOut && 'drive' in r) void this.#o.mounter.unmount(r.drive.mountPoint).catch(() => undefined);
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }
}

/** Linux's dev_t encoding (glibc's major()/minor()). */
function deviceMajor(rdev: number): number {
  return Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
}
function deviceMinor(rdev: number): number {
  return Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));
}
