import type { RemoteInfo, Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import { realpath } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Subject, type Observable } from 'rxjs';
import { BlockSource } from './block-source.js';
import { BusyPoll } from './busy-poll.js';
import { ErrorCode, MAX_BLKSIZE, MIN_BLKSIZE, Opcode, encodeError, encodeOack, parsePacket, type RequestPacket } from './codec.js';
import { emptyStats, type TftpEvent, type TftpStats, type TransferInfo } from './events.js';
import { negotiate, type Limits } from './negotiate.js';
import { openConfined } from './open-file.js';
import { normalizeRequestPath } from './paths.js';
import type { LogSink as TftpLogger } from '../../core/log.js';
import { RateLimitedWarn } from '../../core/rate-limited-warn.js';
import { Transfer } from './transfer.js';
import { bindUdp } from '../../core/udp.js';

export interface TftpServerOptions {
  /** Directory served read-only; nothing outside it is ever sent. */
  root: string;
  /** IP literal to bind; transfer ports bind to it too. */
  host: string;
  /** 0 picks a free port (see start()). */
  port: number;
  /** Largest blksize granted (8-65464, default 65464). */
  maxBlksize?: number;
  /** Largest windowsize granted (1-64, default 64). */
  maxWindowsize?: number;
  /** Largest window in bytes (windowsize x blksize) granted (default 64 KiB); see negotiate(). */
  maxWindowBytes?: number;
  /** Retransmission timeout when the client does not negotiate one (default 1000 ms). */
  defaultTimeoutMs?: number;
  /** Timeouts in a row without progress before a transfer fails (default 5). */
  maxRetries?: number;
  /**
   * After each window, poll for its ACK instead of sleeping for up to this
   * many microseconds (0-10000, default 200; 0: never). See busy-poll.ts.
   */
  busyPollUs?: number;
  /** Concurrent transfers; more are refused "server busy" (default 512). */
  maxTransfers?: number;
  /** Concurrent transfers per client address (default: no limit beyond maxTransfers). */
  maxTransfersPerClient?: number;
  logger?: TftpLogger;
  /**
   * Maps a normalized request path (relative to root, e.g. `firmware/gp3/2.5.0.img`)
   * to the file to serve (relative to root or absolute), or null to refuse it
   * (access violation). The result is still confined to root.
   */
  resolveFile?: (requestPath: string) => Promise<string | null>;
}

const silent: TftpLogger = { warn() {}, info() {} };
/** Room for a burst of requests (each queued datagram costs ~1 KiB of socket buffer). */
const LISTEN_RCVBUF = 1 << 20;

/**
 * A read-only TFTP server (RFC 1350, 2347, 2348, 2349, 7440) on node:dgram.
 * Requests arrive on the listen socket; each transfer gets its own ephemeral
 * port on the same address. Refusals are answered from the listen socket.
 */
export class TftpServer {
  readonly #o: Required<Omit<TftpServerOptions, 'logger' | 'resolveFile' | 'maxTransfersPerClient'>> & TftpServerOptions;
  readonly #limits: Limits;
  readonly #log: TftpLogger;
  readonly #badLog: RateLimitedWarn;
  readonly #events = new Subject<TftpEvent>();
  readonly #stats = emptyStats();
  readonly #busyPoll: BusyPoll;
  #socket: Socket | undefined;
  #root = '';
  /** Bumped by stop(): admissions from an older run give up at their next step. */
  #generation = 0;
  #nextId = 1;
  /** Requests being admitted or served, by client address:port (a repeated RRQ is not a new transfer). */
  readonly #busy = new Set<string>();
  readonly #perClient = new Map<string, number>();
  readonly #transfers = new Set<Transfer>();
  readonly #running = new Set<Promise<void>>();

  constructor(options: TftpServerOptions) {
    // `??`, not a spread: a config may hold an option as undefined.
    this.#o = {
      ...options,
      maxBlksize: options.maxBlksize ?? MAX_BLKSIZE,
      maxWindowsize: options.maxWindowsize ?? 64,
      maxWindowBytes: options.maxWindowBytes ?? 64 * 1024,
      defaultTimeoutMs: options.defaultTimeoutMs ?? 1000,
      maxRetries: options.maxRetries ?? 5,
      busyPollUs: options.busyPollUs ?? 200,
      maxTransfers: options.maxTransfers ?? 512,
    };
    const o = this.#o;
    if (isIP(o.host) === 0) throw new Error(`TFTP host must be an IP address, got "${o.host}"`);
    checkRange('maxBlksize', o.maxBlksize, MIN_BLKSIZE, MAX_BLKSIZE);
    checkRange('maxWindowsize', o.maxWindowsize, 1, 64);
    checkRange('maxWindowBytes', o.maxWindowBytes, MIN_BLKSIZE, 64 * MAX_BLKSIZE);
    checkRange('defaultTimeoutMs', o.defaultTimeoutMs, 1, 255_000);
    checkRange('maxRetries', o.maxRetries, 0, 1000);
    checkRange('busyPollUs', o.busyPollUs, 0, 10_000);
    checkRange('maxTransfers', o.maxTransfers, 1, 65_535);
    if (o.maxTransfersPerClient !== undefined) checkRange('maxTransfersPerClient', o.maxTransfersPerClient, 1, o.maxTransfers);
    this.#limits = { maxBlksize: o.maxBlksize, maxWindowsize: o.maxWindowsize, maxWindowBytes: o.maxWindowBytes, defaultTimeoutMs: o.defaultTimeoutMs };
    this.#busyPoll = new BusyPoll({ budgetUs: o.busyPollUs });
    this.#log = o.logger ?? silent;
    this.#badLog = new RateLimitedWarn(this.#log);
  }

  /** Transfer lifecycle events; never completes (the server can be restarted). */
  get events$(): Observable<TftpEvent> {
    return this.#events.asObservable();
  }

  stats(): TftpStats {
    return { ...this.#stats, active: this.#busy.size, busyPollMs: this.#busyPoll.totalMs, outcomes: { ...this.#stats.outcomes } };
  }

  async start(): Promise<{ port: number }> {
    if (this.#socket) throw new Error('TFTP server already started');
    this.#root = await realpath(this.#o.root);
    const socket = await bindUdp(this.#o.host, this.#o.port, { recvBufferSize: LISTEN_RCVBUF });
    socket.on('message', (msg, rinfo) => this.#onRequest(socket, msg, rinfo));
    socket.on('error', (err) => this.#log.warn({ err }, 'TFTP listen socket error'));
    this.#socket = socket;
    const { port } = socket.address();
    this.#log.info({ host: this.#o.host, port, root: this.#root }, 'TFTP server listening');
    return { port };
  }

  /** Stops listening, aborts transfers (each client gets an ERROR) and waits for them to wind down. */
  async stop(): Promise<void> {
    const socket = this.#socket;
    if (!socket) return;
    this.#socket = undefined;
    this.#generation++;
    for (const t of this.#transfers) t.abort('server shutting down');
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await Promise.all(this.#running);
    this.#log.info({}, 'TFTP server stopped');
  }

  #onRequest(socket: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    const parsed = parsePacket(msg);
    if (!parsed.ok) {
      this.#bad(rinfo, parsed.message);
      // Never answer something that claims to be an ERROR.
      if (msg.length < 2 || msg.readUInt16BE(0) !== Opcode.ERROR) this.#reply(socket, rinfo, parsed.code, parsed.message);
      return;
    }
    const p = parsed.packet;
    if (p.op === 'error') return this.#bad(rinfo, 'ERROR on the listen port');
    if (p.op !== 'rrq' && p.op !== 'wrq') {
      this.#bad(rinfo, `${p.op.toUpperCase()} on the listen port`);
      return this.#reply(socket, rinfo, ErrorCode.IllegalOperation, 'only read requests are served here');
    }
    if (p.op === 'wrq') return this.#emit(this.#refusal(rinfo, p.filename, ErrorCode.AccessViolation, 'server is read-only'));
    if (p.mode !== 'octet') {
      return this.#emit(this.#refusal(rinfo, p.filename, ErrorCode.IllegalOperation, `${p.mode} mode not supported, use octet (binary)`));
    }
    const key = `${rinfo.address}|${rinfo.port}`;
    // The client repeated its request before our first packet reached it; that transfer retransmits by itself.
    if (this.#busy.has(key)) return;
    const perClient = this.#perClient.get(rinfo.address) ?? 0;
    if (this.#busy.size >= this.#o.maxTransfers || perClient >= (this.#o.maxTransfersPerClient ?? Infinity)) {
      return this.#emit(this.#refusal(rinfo, p.filename, ErrorCode.NotDefined, 'server busy, try again later'));
    }
    this.#busy.add(key);
    this.#perClient.set(rinfo.address, perClient + 1);
    const running = this.#serve(p, rinfo).then((last) => {
      this.#busy.delete(key);
      const n = (this.#perClient.get(rinfo.address) ?? 1) - 1;
      if (n > 0) this.#perClient.set(rinfo.address, n);
      else this.#perClient.delete(rinfo.address);
      this.#running.delete(running);
      // Emitted once the slot is free, so a subscriber sees stats() without this transfer.
      if (last) this.#emit(last);
    });
    this.#running.add(running);
  }

  /** Serves one admitted request; resolves with its final event (refused, completed or failed), if any. */
  async #serve(request: RequestPacket, rinfo: RemoteInfo): Promise<TftpEvent | undefined> {
    const generation = this.#generation;
    const live = (): boolean => generation === this.#generation;
    const path = normalizeRequestPath(request.filename);
    if (!path.ok) return this.#refusal(rinfo, request.filename, path.code, path.message);
    const file = path.path;
    let handle: FileHandle | undefined;
    try {
      const target = this.#o.resolveFile ? await this.#o.resolveFile(file) : file;
      if (target === null) return this.#refusal(rinfo, file, ErrorCode.AccessViolation, 'file not available');
      const opened = await openConfined(this.#root, target);
      if (!opened.ok) return this.#refusal(rinfo, file, opened.code, opened.message);
      handle = opened.handle;
      if (!live()) return undefined;
      const n = negotiate(request.options, this.#limits, opened.size);
      const socket = await bindUdp(this.#o.host, 0);
      const source = new BlockSource(handle, opened.size, n.blksize, n.windowsize, () => socket.getSendQueueCount() === 0);
      try {
        // A file that cannot be read is refused before anything is sent.
        await source.load(1);
      } catch (err) {
        socket.close();
        throw err;
      }
      if (!live()) {
        socket.close();
        return undefined;
      }
      const info: TransferInfo = {
        id: this.#nextId++,
        address: rinfo.address,
        port: rinfo.port,
        file,
        size: opened.size,
        blksize: n.blksize,
        windowsize: n.windowsize,
        timeoutMs: n.timeoutMs,
      };
      return await this.#run(info, socket, source, n.oack && encodeOack(n.oack));
    } catch (err) {
      this.#log.warn({ err, address: rinfo.address, file }, 'TFTP request failed');
      return this.#refusal(rinfo, file, ErrorCode.NotDefined, 'internal error');
    } finally {
      await handle?.close();
    }
  }

  async #run(info: TransferInfo, socket: Socket, source: BlockSource, oack: Buffer | undefined): Promise<TftpEvent> {
    const started = performance.now();
    this.#emit({ type: 'started', ...info });
    const transfer = new Transfer({
      socket,
      address: info.address,
      port: info.port,
      source,
      size: info.size,
      blksize: info.blksize,
      windowsize: info.windowsize,
      timeoutMs: info.timeoutMs,
      maxRetries: this.#o.maxRetries,
      oack,
      busyPoll: this.#busyPoll,
      onRetransmit: () => this.#stats.retransmits++,
      onProbe: () => this.#stats.probes++,
      onBadPacket: (rinfo, reason) => this.#bad(rinfo, reason),
    });
    this.#transfers.add(transfer);
    const r = await transfer.done;
    this.#transfers.delete(transfer);
    const end = { ...info, bytes: r.bytes, retransmits: r.retransmits, probes: r.probes, durationMs: performance.now() - started };
    return r.outcome === 'completed'
      ? { type: 'completed', outcome: 'completed', ...end }
      : { type: 'failed', outcome: r.outcome, reason: r.reason, ...end };
  }

  /** Answers a request with an ERROR from the listen socket. */
  #refusal(rinfo: RemoteInfo, file: string, code: ErrorCode, reason: string): TftpEvent {
    if (this.#socket) this.#reply(this.#socket, rinfo, code, reason);
    return { type: 'refused', address: rinfo.address, port: rinfo.port, file: file.slice(0, 300), code, reason };
  }

  /** Counts, logs and publishes an event. */
  #emit(e: TftpEvent): void {
    switch (e.type) {
      case 'started':
        this.#stats.started++;
        break;
      case 'refused':
        this.#stats.refused++;
        break;
      case 'completed':
        this.#stats.outcomes.completed++;
        this.#stats.bytes += e.bytes;
        this.#log.info({ ...e }, 'TFTP transfer completed');
        break;
      case 'failed':
        this.#stats.outcomes[e.outcome]++;
        this.#stats.bytes += e.bytes;
        this.#log.warn({ ...e }, 'TFTP transfer failed');
        break;
    }
    this.#events.next(e);
  }

  #reply(socket: Socket, rinfo: RemoteInfo, code: ErrorCode, message: string): void {
    socket.send(encodeError(code, message), rinfo.port, rinfo.address);
  }

  #bad(rinfo: RemoteInfo, reason: string): void {
    this.#stats.badPackets++;
    this.#badLog.warn(`tftp-bad:${rinfo.address}`, { address: rinfo.address, port: rinfo.port, reason }, 'bad TFTP packet');
  }
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in ${min}-${max}, got ${value}`);
}
