import type { Socket } from 'node:dgram';
import type { LogSink } from '../../core/log.js';
import { joinMulticast } from '../../core/udp.js';
import { Subject, type Observable } from 'rxjs';
import { decodeAudioPacket, type AudioPacketError, type AudioPacketResult } from './audio.js';
import { SourceStatsTable, type SourceStatsSnapshot } from './stats.js';

export interface RtpAudioDatagram {
  /** The configured name of what this group carries, e.g. "cabin". */
  source: string;
  /** Monotonic ms, from the receiver's clock. */
  receivedAt: number;
  result: AudioPacketResult;
}

export interface RtpReceiverOptions {
  source: string;
  group: string;
  /** 0 picks a free port (tests); read it back from `port` after open(). */
  port: number;
  /** The local interface address to join the group on. */
  interfaceAddress: string;
  l16PayloadTypes: ReadonlySet<number>;
  /** Bad datagrams are warned through it: pass one that limits its own rate (the application's RateLimitedLog). */
  log: Pick<LogSink, 'warn'>;
  now?: () => number;
}

export interface RtpReceiverCounters {
  datagrams: number;
  bad: Partial<Record<AudioPacketError, number>>;
  socketErrors: number;
  ssrcs: SourceStatsSnapshot[];
}

/**
 * Joins one multicast group and turns each datagram into its RTP audio packet and
 * level, or the reason it was refused. Refused datagrams are counted, logged and
 * still emitted, so a consumer can see them; one open() and close() per receiver.
 */
export class RtpMulticastReceiver {
  readonly #datagrams = new Subject<RtpAudioDatagram>();
  readonly datagrams$: Observable<RtpAudioDatagram> = this.#datagrams.asObservable();
  readonly #stats = new SourceStatsTable();
  readonly #bad = new Map<AudioPacketError, number>();
  readonly #now: () => number;
  #socket: Socket | null = null;
  #datagramCount = 0;
  #socketErrors = 0;
  #port = 0;

  constructor(private readonly opts: RtpReceiverOptions) {
    this.#now = opts.now ?? (() => performance.now());
  }

  get port(): number {
    return this.#port;
  }

  async open(): Promise<void> {
    const { group, port, interfaceAddress, source } = this.opts;
    // Bound to the group: the cabin and flight-deck groups can share a port.
    const socket: Socket = await joinMulticast(group, port, interfaceAddress);
    this.#socket = socket;
    this.#port = socket.address().port;
    socket.on('message', (bytes) => this.#onDatagram(bytes));
    socket.on('error', (err) => {
      this.#socketErrors++;
      this.opts.log.warn({ source, err: err.message }, 'PA RTP socket error');
    });
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    this.#datagrams.complete();
  }

  counters(): RtpReceiverCounters {
    return {
      datagrams: this.#datagramCount,
      bad: Object.fromEntries(this.#bad),
      socketErrors: this.#socketErrors,
      ssrcs: this.#stats.snapshot(),
    };
  }

  #onDatagram(bytes: Buffer): void {
    const receivedAt = this.#now();
    this.#datagramCount++;
    const result = decodeAudioPacket(bytes, this.opts.l16PayloadTypes);
    if (result.ok) {
      const { packet, format } = result;
      this.#stats.update(packet.ssrc, packet.sequence, packet.timestamp, receivedAt, format.clockRate);
    } else {
      this.#bad.set(result.reason, (this.#bad.get(result.reason) ?? 0) + 1);
      this.opts.log.warn({ source: this.opts.source, reason: result.reason, bytes: bytes.length }, 'bad PA RTP datagram ignored');
    }
    this.#datagrams.next({ source: this.opts.source, receivedAt, result });
  }
}
