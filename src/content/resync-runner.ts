import { filter, type Subscription } from 'rxjs';
import type { SeatRegistry } from '../cabin/registry.js';
import type { CommandService } from '../commands/command-service.js';
import type { EventBus } from '../contract/event-bus.js';
import { DomainError } from '../contract/errors.js';
import type { LogSink } from '../../core/log.js';
import { ResyncPlanner, type ResyncPolicy } from './resync.js';

const PLAN_EVERY_MS = 1000;
const ISSUER = 'content:resync';

export interface ResyncStats {
  /** content.sync commands sent again, and the seats they named, since start. */
  commands: number;
  seats: number;
  /** Seats lagging or sent to and not caught up yet. */
  watching: number;
  last: { at: number; seq: number; seats: string[] } | null;
  lastError: string | null;
}

export interface ContentResyncOptions {
  policy: ResyncPolicy;
  commands: Pick<CommandService, 'issue'>;
  registry: Pick<SeatRegistry, 'all'>;
  bus: EventBus;
  log: LogSink;
  /** The catalog URL seats are told to fetch (content.sync url). */
  catalogUrl: () => string;
}

/**
 * Sends content.sync again to the seats the planner picks, once a second, as
 * one command naming them (target `seats`), so a cabin of lagging seats costs
 * one fsync'd command a second, not one per seat.
 */
export class ContentResync {
  readonly planner: ResyncPlanner;
  readonly stats: ResyncStats = { commands: 0, seats: 0, watching: 0, last: null, lastError: null };
  #timer: NodeJS.Timeout | undefined;
  #sub: Subscription | undefined;

  constructor(private readonly o: ContentResyncOptions) {
    this.planner = new ResyncPlanner(o.policy);
  }

  start(): void {
    this.#sub = this.o.bus.events$.pipe(filter((e) => e.type === 'seat.online')).subscribe((e) => e.seat && this.planner.online(e.seat));
    this.#timer = setInterval(() => this.tick(), PLAN_EVERY_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#sub?.unsubscribe();
  }

  tick(): void {
    try {
      const seats = this.o.registry.all().map((s) => ({ seat: s.seat, online: s.status === 'online', content: s.content, ackCmd: s.ackCmd }));
      const due = this.planner.plan(performance.now(), Date.now(), seats);
      this.stats.watching = this.planner.watching;
      if (due.length > 0) this.#send(due);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'content resync failed');
    }
  }

  #send(seats: string[]): void {
    const catalogVersion = this.planner.current;
    if (catalogVersion === null) return;
    let st;
    try {
      st = this.o.commands.issue({ target: { seats }, cmd: 'content.sync', args: { catalogVersion, url: this.o.catalogUrl() } }, { issuer: ISSUER });
    } catch (err) {
      // A long advertiseUrl with many seat names may not fit one datagram: half the seats now, the rest next second.
      if (err instanceof DomainError && err.code === 'COMMAND_TOO_LARGE' && seats.length > 1) return this.#send(seats.slice(0, Math.ceil(seats.length / 2)));
      this.stats.lastError = (err as Error).message;
      this.o.log.warn({ err: (err as Error).message, seats: seats.length }, 'content.sync could not be sent again');
      return;
    }
    const at = Date.now();
    this.planner.sent(seats, st.seq, st.expiresAt, performance.now());
    this.stats.commands++;
    this.stats.seats += seats.length;
    this.stats.last = { at, seq: st.seq, seats };
    this.stats.lastError = null;
    this.o.log.info({ seq: st.seq, seats: seats.length, catalogVersion }, 'content.sync sent again to lagging seats');
    this.o.bus.publish({ type: 'content.resynced', seat: null, at, catalogVersion, seats, commandSeq: st.seq });
  }
}
