import type { Socket } from 'node:dgram';
import { joinMulticast } from '../../core/udp.js';
import { TsChecker, type TsStats } from '../../protocols/mpeg-ts/checker.js';

/**
 * Listens to one channel's multicast group as a seat would and checks the
 * MPEG-TS. No filter on the sender's address: VLC's packets leave from the
 * host's primary address even when sent out of `lo`.
 */
export class GroupMonitor {
  readonly #checker = new TsChecker();
  #socket: Socket | undefined;
  #lastPacketAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly interfaceAddress: string,
    private readonly now: () => number,
  ) {}

  async open(): Promise<void> {
    const socket = await joinMulticast(this.address, this.port, this.interfaceAddress);
    socket.on('message', (bytes: Buffer) => {
      this.#checker.push(bytes);
      this.#lastPacketAt = this.now();
    });
    socket.on('error', () => undefined); // a receive error only means no packets: the state shows it
    this.#socket = socket;
  }

  /** Monotonic ms of the last datagram, -Infinity before the first. */
  get lastPacketAt(): number {
    return this.#lastPacketAt;
  }

  stats(): TsStats {
    return this.#checker.stats();
  }

  async close(): Promise<void> {
    const s = this.#socket;
    this.#socket = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
