import { targets } from '../../protocols/seat-command/target.js';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import { MAX_COMMANDS_PER_POLL, type DesiredState } from '../../protocols/seat-poll/types.js';
import type { PollAnswerParts, PollResponder } from '../cabin/poll-responder.js';
import type { Layout, SeatDef } from '../config/layout.js';
import { applyToDesired, desiredAt, initialSeatDesired, type SeatDesired } from './desired.js';

/**
 * What each seat should be doing and which commands it still needs: the
 * poll's level-triggered half. `active` holds unexpired commands in seq order;
 * a poll finds its first unacknowledged one by binary search, so a caught-up
 * seat costs one comparison however many commands are live.
 *
 * A seat that gets a command by poll (it lost every datagram, or holds a later
 * one behind the gap) could only acknowledge it a whole interval later: the
 * answer that first offers it a command asks it to poll again after
 * `catchUpPollMs`. Only the first offer of each seq does, so a seat that never
 * applies its commands is not made to poll fast for ever.
 */
export class CommandBook implements PollResponder {
  readonly #desired = new Map<string, SeatDesired>();
  /** Per seat, the highest seq a poll answer has offered it. */
  readonly #offered = new Map<string, number>();
  #active: CommandBody[] = [];

  constructor(private readonly layout: Layout, private readonly catchUpPollMs?: number) {
    for (const s of layout.seats) this.#desired.set(s.id, initialSeatDesired());
  }

  /** Seats of the layout a target selects. */
  targetedSeats(body: Pick<CommandBody, 'target'>): SeatDef[] {
    return this.layout.seats.filter((s) => targets(body.target, { id: s.id, zone: s.zone }));
  }

  /** Folds a committed command into desired state and the live list. Commands arrive in seq order. */
  add(body: CommandBody, now: number): SeatDef[] {
    const seats = this.targetedSeats(body);
    for (const s of seats) this.#desired.set(s.id, applyToDesired(this.#desired.get(s.id)!, body));
    if (body.expiresAt >= now) this.#active.push(body);
    return seats;
  }

  /** Drops expired commands from the live list. */
  prune(now: number): void {
    if (this.#active.some((c) => c.expiresAt < now)) this.#active = this.#active.filter((c) => c.expiresAt >= now);
  }

  desiredFor(seat: string, now: number): DesiredState {
    return desiredAt(this.#desired.get(seat) ?? initialSeatDesired(), now);
  }

  respond(seat: SeatDef, ackCmd: number, now: number): PollAnswerParts {
    const commands: CommandBody[] = [];
    const list = this.#active;
    for (let i = firstAbove(list, ackCmd); i < list.length && commands.length < MAX_COMMANDS_PER_POLL; i++) {
      const c = list[i]!;
      if (c.expiresAt >= now && targets(c.target, { id: seat.id, zone: seat.zone })) commands.push(c);
    }
    const answer: PollAnswerParts = { desired: this.desiredFor(seat.id, now), commands };
    const newest = commands.at(-1)?.seq;
    if (newest !== undefined && newest > (this.#offered.get(seat.id) ?? 0)) {
      this.#offered.set(seat.id, newest);
      if (this.catchUpPollMs !== undefined) answer.pollSoonerMs = this.catchUpPollMs;
    }
    return answer;
  }
}

function firstAbove(list: readonly CommandBody[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
