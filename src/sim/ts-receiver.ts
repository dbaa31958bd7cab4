import type { Socket } from 'node:dgram';
import { joinMulticast } from '../../core/udp.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { TsChecker } from '../../protocols/mpeg-ts/checker.js';

/** A group counts as received while a datagram came this recently and its PAT and PMT were seen. */
export const SIGNAL_WITHIN_MS = 2500;

export interface TsGroupStats {
  group: string;
  /** Seats tuned to it now. */
  seats: number;
  /** TS packets and datagrams heard since it was joined (once for the whole cabin: one socket serves every seat). */
  packets: number;
  datagrams: number;
  ccErrors: number;
  syncErrors: number;
  sawPat: boolean;
  sawPmt: boolean;
  /** Whether it counts as received now. */
  receiving: boolean;
}

export interface TsStatsSnapshot {
  groups: TsGroupStats[];
  /** Sums over every group joined so far (left groups included). */
  packets: number;
  ccErrors: number;
  syncErrors: number;
}

interface Group {
  key: string;
  seats: Set<string>;
  checker: TsChecker;
  datagrams: number;
  lastAt: number;
  socket: Socket | undefined;
  opening: Promise<void>;
  /** Seats tuned since the last datagram: the next one is their first packet. */
  waiting: Map<string, number>;
}

/**
 * How a simulated cabin receives broadcast channels: seats tuned to the same
 * group share ONE multicast socket and ONE MPEG-TS checker (protocols/mpeg-ts),
 * so 300 seats cost one parse per datagram, as 300 seat boxes would each do
 * once. Joined on the interface address (127.0.0.1) with no filter on the
 * sender: VLC's packets leave from the host's primary address. Each seat's
 * first packet after tuning is timed (the bench's "play to first packet").
 */
export class TsGroupPool {
  readonly #groups = new Map<string, Group>();
  readonly #seatGroup = new Map<string, string>();
  readonly #first = new Map<string, { tunedAt: number; firstAt: number }>();
  #closedCounts = { packets: 0, ccErrors: 0, syncErrors: 0 };

  constructor(
    private readonly interfaceAddress = '127.0.0.1',
    private readonly now: () => number = () => performance.now(),
    private readonly log: LogSink = silentLog,
  ) {}

  /** Tunes a seat to `group` ("a.b.c.d:port") or to nothing. Joining happens in the background. */
  tune(seat: string, group: string | null): void {
    const had = this.#seatGroup.get(seat);
    if (had === (group ?? undefined)) return;
    if (had) this.#leave(seat, had);
    if (!group) return;
    this.#seatGroup.set(seat, group);
    this.#first.delete(seat);
    let g = this.#groups.get(group);
    if (!g) g = this.#open(group);
    g.seats.add(seat);
    g.waiting.set(seat, this.now());
  }

  /** Whether `group` is received now: packets lately, with a PAT and a PMT. */
  receiving(group: string): boolean {
    const g = this.#groups.get(group);
    if (!g) return false;
    const s = g.checker.stats();
    return s.sawPat && s.sawPmt && this.now() - g.lastAt <= SIGNAL_WITHIN_MS;
  }

  /** Monotonic ms from the seat's last tune to its first datagram, or undefined before it. */
  firstPacket(seat: string): { tunedAt: number; firstAt: number } | undefined {
    return this.#first.get(seat);
  }

  stats(): TsStatsSnapshot {
    const groups = [...this.#groups.values()].map((g): TsGroupStats => {
      const s = g.checker.stats();
      return { group: g.key, seats: g.seats.size, packets: s.packets, datagrams: g.datagrams, ccErrors: s.ccErrors, syncErrors: s.syncErrors, sawPat: s.sawPat, sawPmt: s.sawPmt, receiving: this.receiving(g.key) };
    });
    const sum = (k: 'packets' | 'ccErrors' | 'syncErrors') => groups.reduce((a, g) => a + g[k], this.#closedCounts[k]);
    return { groups, packets: sum('packets'), ccErrors: sum('ccErrors'), syncErrors: sum('syncErrors') };
  }

  /** Leaves every group. */
  async close(): Promise<void> {
    const all = [...this.#groups.values()];
    this.#groups.clear();
    this.#seatGroup.clear();
    await Promise.all(all.map((g) => this.#closeGroup(g)));
  }

  #open(key: string): Group {
    const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(key);
    const g: Group = { key, seats: new Set(), checker: new TsChecker(), datagrams: 0, lastAt: Number.NEGATIVE_INFINITY, socket: undefined, opening: Promise.resolve(), waiting: new Map() };
    this.#groups.set(key, g);
    if (!m) return g; // the seat parser accepts any text as a group: such a seat simply hears nothing
    g.opening = joinMulticast(m[1]!, Number(m[2]), this.interfaceAddress).then(
      (socket) => {
        if (this.#groups.get(key) !== g) {
          socket.close();
          return;
        }
        g.socket = socket;
        socket.on('message', (bytes: Buffer) => this.#onDatagram(g, bytes));
        socket.on('error', (err) => this.log.warn({ group: key, err: err.message }, 'simulator: channel socket error'));
      },
      (err: Error) => this.log.warn({ group: key, err: err.message }, 'simulator: cannot join the channel group'),
    );
    return g;
  }

  #onDatagram(g: Group, bytes: Buffer): void {
    const at = this.now();
    g.checker.push(bytes);
    g.datagrams++;
    g.lastAt = at;
    if (g.waiting.size > 0) {
      for (const [seat, tunedAt] of g.waiting) this.#first.set(seat, { tunedAt, firstAt: at });
      g.waiting.clear();
    }
  }

  #leave(seat: string, key: string): void {
    this.#seatGroup.delete(seat);
    const g = this.#groups.get(key);
    if (!g) return;
    g.seats.delete(seat);
    g.waiting.delete(seat);
    if (g.seats.size > 0) return;
    this.#groups.delete(key);
    void this.#closeGroup(g);
  }

  async #closeGroup(g: Group): Promise<void> {
    const s = g.checker.stats();
    this.#closedCounts.packets += s.packets;
    this.#closedCounts.ccErrors += s.ccErrors;
    this.#closedCounts.syncErrors += s.syncErrors;
    await g.opening;
    const socket = g.socket;
    g.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
