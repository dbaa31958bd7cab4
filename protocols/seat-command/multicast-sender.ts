import type { Socket } from 'node:dgram';
import { multicastSender } from '../../core/udp.js';
import type { LogSink } from '../../core/log.js';

export interface MulticastSenderOptions {
  group: string;
  port: number;
  /** Address of the cabin-network interface; 127.0.0.1 in tests. Without it the default route carries the datagrams. */
  interface: string;
  /** 1 keeps commands on the cabin LAN. */
  ttl?: number;
  /** When each copy goes out, in ms after the first. */
  schedule?: readonly number[];
  log: LogSink;
}

/** Each copy survives independent loss; the spread outlasts a short burst of it. */
export const DEFAULT_SCHEDULE: readonly number[] = [0, 20, 100];

export interface SenderStats {
  /** Datagrams handed to send(). */
  datagrams: number;
  /** Copies the kernel accepted. */
  sends: number;
  errors: number;
}

/** Sends signed command datagrams to the seats' group, each several times. Holds no cabin logic. */
export class MulticastCommandSender {
  readonly name = 'seat-command-sender';
  readonly stats: SenderStats = { datagrams: 0, sends: 0, errors: 0 };
  #socket: Socket | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: MulticastSenderOptions) {}

  async start(): Promise<void> {
    const { interface: iface, ttl = 1 } = this.options;
    const socket = await multicastSender(iface, ttl);
    try {
      // Connected to the group, a send skips the address lookup that would
      // defer it to the next tick: the first copy leaves inside send().
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(this.options.port, this.options.group, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      socket.close();
      throw err;
    }
    socket.on('error', (err) => this.#failed(err));
    this.#socket = socket;
    this.options.log.info({ group: this.options.group, port: this.options.port, iface }, 'seat-command sender started');
  }

  /** Sends `datagram` (from encodeCommand) now and at the rest of the schedule. */
  send(datagram: Buffer): void {
    const socket = this.#socket;
    if (!socket) throw new Error('seat-command sender is not started');
    this.stats.datagrams++;
    for (const delay of this.options.schedule ?? DEFAULT_SCHEDULE) {
      if (delay <= 0) {
        this.#sendCopy(socket, datagram);
        continue;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#sendCopy(socket, datagram);
      }, delay);
      this.#timers.add(timer);
    }
  }

  /** Cancels copies not yet sent: a stopped controller must not keep talking. */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  #sendCopy(socket: Socket, datagram: Buffer): void {
    socket.send(datagram, (err) => {
      if (err) this.#failed(err);
      else this.stats.sends++;
    });
  }

  #failed(err: Error): void {
    this.stats.errors++;
    this.options.log.warn({ err, errors: this.stats.errors }, 'seat-command send failed');
  }
}
