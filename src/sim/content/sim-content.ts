import { Agent } from 'node:http';
import { commandHandlers, type CommandHandler } from '../command-handlers.js';
import type { SeatModel } from '../seat-model.js';
import type { SeatPlayer } from '../seat-player.js';
import type { Simulator, Target } from '../simulator.js';
import { ContentSeat, type ContentStats } from './content-seat.js';

export interface SimContentOptions {
  /** The cabin secret: each seat signs its content requests with its own poll key. */
  secret: Buffer;
  /** Keep fetched objects under `<dir>/<seat>/objects/`; without it, bytes are verified and dropped (benchmarks). */
  dir?: string;
  /** Attempts per request before the sync is reported failed (default 20). */
  maxAttempts?: number;
  /** Concurrent connections for content, shared by all seats (default: one per seat). */
  maxSockets?: number;
}

/** Seats with content support; the command handler finds a seat's library here. */
const libraries = new WeakMap<SeatModel, ContentSeat>();

/** content.sync: a seat without content support says so in its poll, as firmware does. */
const contentSync: CommandHandler = (seat, args) => {
  const lib = libraries.get(seat);
  if (lib) return lib.sync(args);
  seat.setContent({ state: 'failed', error: 'content is not simulated on this seat (see SimContent)' });
  return 'rejected';
};

/**
 * Content for a simulator's seats (docs/content.md): each seat answers
 * content.sync by fetching the catalog and the objects it lacks over HTTP
 * Range, verifying sha256 as the bytes arrive, and reports progress in its
 * poll's `content` field. Disconnects can be forced per seat.
 */
export class SimContent {
  readonly stats: ContentStats = { bytesReceived: 0, bytesVerified: 0, objectsVerified: 0, disconnects: 0, resumes: 0, restartsFromZero: 0, corrupt: 0, requests: 0, failures: 0 };
  readonly #seats = new Map<string, ContentSeat>();
  readonly #disconnects = new Map<string, number>();
  readonly #stopping = new AbortController();
  readonly #agent: Agent;

  constructor(
    private readonly sim: Simulator,
    private readonly o: SimContentOptions,
  ) {
    // Its own agent: content streams must never queue behind (or hold up) a seat's poll connection.
    this.#agent = new Agent({ keepAlive: true, maxSockets: o.maxSockets ?? Math.max(1, sim.players.length) });
    commandHandlers.set('content.sync', contentSync);
    this.attach(sim.players);
  }

  attach(players: readonly SeatPlayer[]): void {
    const ctx = {
      agent: this.#agent,
      secret: this.o.secret,
      dir: this.o.dir,
      stats: this.stats,
      disconnectsFor: (seat: string) => {
        const n = this.#disconnects.get(seat) ?? 0;
        this.#disconnects.delete(seat);
        return n;
      },
      stopping: this.#stopping.signal,
      now: () => Date.now(),
      maxAttempts: this.o.maxAttempts ?? 20,
    };
    for (const p of players) {
      const lib = new ContentSeat(p.model, ctx);
      libraries.set(p.model, lib);
      this.#seats.set(p.seat, lib);
    }
  }

  seat(id: string): ContentSeat | undefined {
    return this.#seats.get(id);
  }

  /** The next sync of the targeted seats is cut `count` times, spread over the bytes it fetches. */
  forceDisconnects(target: Target, count: number): string[] {
    const seats = this.sim.select(target).map((p) => p.seat);
    for (const s of seats) this.#disconnects.set(s, count);
    return seats;
  }

  /** Resolves once every seat's current sync has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.#seats.values()].map((s) => s.settled()));
  }

  stop(): void {
    this.#stopping.abort();
    for (const s of this.#seats.values()) s.stop();
    for (const p of this.sim.players) libraries.delete(p.model);
    this.#agent.destroy();
  }
}
