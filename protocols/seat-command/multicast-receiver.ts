import type { KeyObject } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { type Observable, Subject } from 'rxjs';
import { joinMulticast } from '../../core/udp.js';
import { type DecodeError, type DecodeErrorKind, decodeCommand } from './codec.js';
import type { LogSink } from '../../core/log.js';
import type { CommandBody } from './types.js';

export interface MulticastReceiverOptions {
  group: string;
  port: number;
  /** Address of the interface to join the group on; 127.0.0.1 in tests. */
  interface: string;
  /** The controller's command key: datagrams that do not verify with it are rejected. */
  publicKey: KeyObject;
  log: LogSink;
}

export interface Rejected {
  error: DecodeError;
  /** "address:port" of the sender, for the log. */
  from: string;
}

export interface ReceiverStats {
  received: number;
  accepted: number;
  rejected: Record<DecodeErrorKind, number>;
}

/**
 * Joins the command group and verifies each datagram once. One instance serves
 * a whole process: a simulator with 300 seats subscribes each seat's
 * receiver-state to `commands$` instead of opening 300 sockets and verifying
 * every datagram 300 times. Rejects are counted and emitted, not logged, so the
 * owner can rate-limit them.
 */
export class MulticastCommandReceiver {
  readonly name = 'seat-command-receiver';
  readonly stats: ReceiverStats = {
    received: 0,
    accepted: 0,
    rejected: { truncated: 0, oversized: 0, magic: 0, signature: 0, json: 0, shape: 0 },
  };
  readonly #commands = new Subject<CommandBody>();
  readonly #rejects = new Subject<Rejected>();
  /** Every verified datagram, each copy included; hot and shared by all subscribers. */
  readonly commands$: Observable<CommandBody> = this.#commands.asObservable();
  readonly rejects$: Observable<Rejected> = this.#rejects.asObservable();
  #socket: Socket | undefined;

  constructor(private readonly options: MulticastReceiverOptions) {}

  async start(): Promise<void> {
    const { group, port, interface: iface } = this.options;
    // reuseAddr: seat processes on one host share the port. Binding the group
    // address (not 0.0.0.0) keeps unicast to this port out.
    const socket = await joinMulticast(group, port, iface);
    socket.on('message', (msg, rinfo) => this.#onMessage(msg, rinfo));
    socket.on('error', (err) => this.options.log.warn({ err }, 'seat-command receiver socket error'));
    this.#socket = socket;
    this.options.log.info({ group, port, iface }, 'seat-command receiver joined');
  }

  async stop(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    this.stats.received++;
    const decoded = decodeCommand(msg, this.options.publicKey);
    if (decoded.ok) {
      this.stats.accepted++;
      this.#commands.next(decoded.body);
    } else {
      this.stats.rejected[decoded.error.kind]++;
      this.#rejects.next({ error: decoded.error, from: `${rinfo.address}:${rinfo.port}` });
    }
  }
}
