import { Agent } from 'node:http';
import { Subject, type Observable } from 'rxjs';
import { POLL_PATH } from '../../protocols/seat-poll/types.js';
import { perform, type SeatAction } from './actions.js';
import { SimCommandListener, type SimCommandOptions } from './command-listener.js';
import type { SeatEvent } from './events.js';
import { DEFAULT_SEATS, MAX_SEATS, seatIdAt } from './layout.js';
import { SPARE_UNIT_BASE, lruFor } from './lru.js';
import { systemClock, type SeatClock } from './seat-model.js';
import { SeatPlayer, type PlayerContext } from './seat-player.js';
import { PollStats, type StatsSnapshot } from './stats.js';
import { TsGroupPool, type TsStatsSnapshot } from './ts-receiver.js';

export interface SimulatorOptions {
  /** The controller's base URL, e.g. http://127.0.0.1:8080. */
  controller: string | URL;
  /** The cabin secret; each seat signs with the key derived from it for its own serial. */
  secret: Buffer;
  /** The first N seats of the layout, row-major (default 300). */
  seats?: number;
  /** Poll interval until the controller's first answer sets it (default 1000). */
  pollIntervalMs?: number;
  /** A poll not answered in this time is abandoned and counted as ETIMEDOUT (default 5000). */
  requestTimeoutMs?: number;
  clock?: SeatClock;
  random?: () => number;
  /** Hear commands on the multicast group too (else the seats learn them from polls only). */
  commands?: SimCommandOptions;
  /** Receive the broadcast channels seats are tuned to (one shared socket per group), joined on this interface; false: assume every stream arrives. Default 127.0.0.1. */
  channels?: { interface?: string } | false;
}

/** Which seats an action applies to: all, one or more seat ids, or an evenly spread fraction (0..1] of the cabin. */
export type Target = 'all' | string | readonly string[] | { fraction: number };

// Golden-ratio phases spread any number of seats evenly over the interval, and keep doing so as seats are added.
const GOLDEN = (Math.sqrt(5) - 1) / 2;
const phaseOf = (index: number): number => (index * GOLDEN) % 1;

/** Two in three passengers are watching something, each at a different point. */
function passengerPlayback(index: number): { item: string; positionMs: number } | undefined {
  return index % 3 === 2 ? undefined : { item: `movie-${(index % 40) + 1}`, positionMs: (index * 7919) % 3_600_000 };
}

/**
 * A cabin of simulated seat players sharing one keep-alive HTTP agent, so
 * thousands of seats in one process stay cheap. Stop it once; it is not restartable.
 */
export class Simulator {
  readonly events$: Observable<SeatEvent>;
  #events = new Subject<SeatEvent>();
  #players: SeatPlayer[] = [];
  #bySeat = new Map<string, SeatPlayer>();
  #agent = new Agent({ keepAlive: true });
  #stats: PollStats;
  #ctx: PlayerContext;
  #running = false;
  #nextSpare = SPARE_UNIT_BASE;
  #listener: SimCommandListener | undefined;
  #joined: Promise<void> = Promise.resolve();
  #ts: TsGroupPool | undefined;

  constructor(opts: SimulatorOptions) {
    if (!URL.canParse(opts.controller)) throw new RangeError(`controller ${JSON.stringify(String(opts.controller))} is not a URL`);
    const pollUrl = new URL(POLL_PATH, opts.controller);
    if (pollUrl.protocol !== 'http:') throw new RangeError(`controller URL must be http://, not ${pollUrl.protocol}`);
    if (opts.secret.length === 0) throw new RangeError('the cabin secret is empty');
    const clock = opts.clock ?? systemClock;
    this.#stats = new PollStats(() => clock.mono());
    this.events$ = this.#events.asObservable();
    this.#ctx = {
      agent: this.#agent,
      pollUrl,
      secret: opts.secret,
      clock,
      random: opts.random ?? Math.random,
      stats: this.#stats,
      emit: (e) => this.#events.next(e),
      requestTimeoutMs: opts.requestTimeoutMs ?? 5000,
      pollIntervalMs: opts.pollIntervalMs ?? 1000,
    };
    if (opts.channels !== false) this.#ts = new TsGroupPool(opts.channels?.interface ?? '127.0.0.1', () => clock.mono());
    this.addSeats(opts.seats ?? DEFAULT_SEATS);
    if (opts.commands) {
      this.#listener = new SimCommandListener(pollUrl, opts.commands, (body) => {
        for (const p of this.#players) p.hearDatagram(body);
      });
    }
  }

  get players(): readonly SeatPlayer[] {
    return this.#players;
  }

  start(): void {
    this.#running = true;
    this.#players.forEach((p, i) => p.start(phaseOf(i)));
    if (this.#listener) {
      this.#joined = this.#listener.start();
      // Marked handled here; joined() still rejects for whoever waits on it.
      this.#joined.catch(() => undefined);
    }
  }

  /**
   * Resolves once the seats listen on the command group (at once without
   * `commands`); rejects if the group cannot be joined. The seats poll meanwhile.
   */
  joined(): Promise<void> {
    return this.#joined;
  }

  /** Datagrams the cabin's receiver took in, verified and refused (undefined until it has joined). */
  multicastStats() {
    return this.#listener?.stats;
  }

  /** Stops every seat, closes the shared connections and completes events$. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#listener?.stop();
    await this.#ts?.close();
    const settled = this.#players.map((p) => p.stop());
    // Polls in flight fail at once instead of running out their timeout.
    this.#agent.destroy();
    await Promise.all(settled);
    this.#events.complete();
  }

  /** Adds the next `count` seats of the layout; they start polling at once if the simulator runs. */
  addSeats(count: number): SeatPlayer[] {
    const from = this.#players.length;
    if (!Number.isInteger(count) || count < 0 || from + count > MAX_SEATS) {
      throw new RangeError(`cannot have ${from + count} seats: the layout holds 0..${MAX_SEATS}`);
    }
    const added: SeatPlayer[] = [];
    for (let i = from; i < from + count; i++) {
      const player = new SeatPlayer(seatIdAt(i), lruFor(i + 1), this.#ctx);
      const ts = this.#ts;
      if (ts) {
        player.model.onChannel = (c) => ts.tune(player.seat, c?.group ?? null);
        player.model.receiving = (c) => ts.receiving(c.group);
      }
      const playback = passengerPlayback(i);
      if (playback) player.model.play(playback.item, playback.positionMs);
      this.#players.push(player);
      this.#bySeat.set(player.seat, player);
      added.push(player);
      if (this.#running) player.start(phaseOf(i));
    }
    // One connection per seat at most, as real seats would hold; idle ones are kept for reuse.
    this.#agent.maxSockets = this.#agent.maxFreeSockets = Math.max(1, this.#players.length);
    return added;
  }

  seat(id: string): SeatPlayer | undefined {
    return this.#bySeat.get(id);
  }

  /** Throws RangeError for an unknown seat or a fraction outside (0, 1]. */
  select(target: Target): SeatPlayer[] {
    if (target === 'all') return [...this.#players];
    if (typeof target === 'object' && 'fraction' in target) return this.#spread(target.fraction);
    return (typeof target === 'string' ? [target] : target).map((id) => {
      const player = this.#bySeat.get(id);
      if (!player) throw new RangeError(`no seat ${id} among the ${this.#players.length} simulated`);
      return player;
    });
  }

  /** Applies a behaviour to the targeted seats; returns them. */
  act(target: Target, action: SeatAction): SeatPlayer[] {
    const players = this.select(target);
    for (const p of players) perform(p, action, () => lruFor(this.#nextSpare++));
    return players;
  }

  /** Every k-th seat rather than a random pick: reproducible, and spread over the whole cabin. */
  #spread(fraction: number): SeatPlayer[] {
    if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fraction ${fraction} is outside (0, 1]`);
    const n = this.#players.length;
    const count = Math.min(n, Math.max(1, Math.round(fraction * n)));
    return Array.from({ length: count }, (_, k) => this.#players[Math.floor((k * n) / count)]!);
  }

  /** Poll counters, and the broadcast streams received (packets, continuity errors) when channels are received. */
  stats(): StatsSnapshot & { ts?: TsStatsSnapshot } {
    const snap: StatsSnapshot & { ts?: TsStatsSnapshot } = this.#stats.snapshot();
    if (this.#ts) snap.ts = this.#ts.stats();
    return snap;
  }

  /** The shared channel receiver (first-packet times per seat), if channels are received. */
  get channelReceiver(): TsGroupPool | undefined {
    return this.#ts;
  }

  /** Starts a new measurement window. */
  resetStats(): void {
    this.#stats.reset();
  }
}
