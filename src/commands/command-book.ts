import { systemClock, type Clock } from '../../core/clock.js';
import { targets } from '../../protocols/seat-command/target.js';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import { MAX_COMMANDS_PER_POLL, type DesiredState } from '../../protocols/seat-poll/types.js';
import type { PollAnswerParts, PollResponder } from '../cabin/poll-responder.js';
import type { Layout, SeatDef } from '../config/layout.js';
import { DesiredLedger } from './desired-ledger.js';
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
 *
 * How long a command stays live (and a tuned channel holds) is a duration on
 * the monotonic clock: its wall `expiresAt` minus the wall time it was added,
 * so a jump of the head-end's wall clock neither drops live commands from
 * poll answers nor keeps dead ones. The `ledger` is the same desired state by
 * scope, in wall time, for the snapshot.
 */
export class CommandBook implements PollResponder {
  /** Per seat; channelUntil in monotonic ms. */
  readonly #desired = new Map<string, SeatDesired>();
  /** Per seat, the highest seq a poll answer has offered it. */
  readonly #offered = new Map<string, number>();
  #active: CommandBody[] = [];
  /** Monotonic expiry of each entry of #active. */
  #activeUntil: number[] = [];
  #ledger = new DesiredLedger();

  constructor(
    private readonly layout: Layout,
    private readonly catchUpPollMs?: number,
    private readonly clock: Clock = systemClock,
  ) {
    for (const s of layout.seats) this.#desired.set(s.id, initialSeatDesired());
  }

  get ledger(): DesiredLedger {
    return this.#ledger;
  }

  /** Start-up: desired state from a snapshot already caught up with the log (every seat at once, not command by command). */
  restore(ledger: DesiredLedger): void {
    this.#ledger = ledger;
    const toMono = this.#toMono();
    for (const s of this.layout.seats) {
      const d = ledger.seatDesired(s.id, s.zone);
      this.#desired.set(s.id, d.desired.channel ? { ...d, channelUntil: toMono(d.channelUntil) } : d);
    }
  }

  /** Seats of the layout a target selects. */
  targetedSeats(body: Pick<CommandBody, 'target'>): SeatDef[] {
    return this.layout.seats.filter((s) => targets(body.target, { id: s.id, zone: s.zone }));
  }

  /** Folds a committed command into desired state and the live list. Commands arrive in seq order. */
  add(body: CommandBody): SeatDef[] {
    this.#ledger.apply(body);
    const seats = this.targetedSeats(body);
    const until = this.#toMono()(body.expiresAt);
    const setsChannel = body.cmd === 'channel.tune' || body.cmd === 'safety.play';
    for (const s of seats) {
      const next = applyToDesired(this.#desired.get(s.id)!, body);
      this.#desired.set(s.id, setsChannel ? { ...next, channelUntil: until } : next);
    }
    this.addLive(body);
    return seats;
  }

  /** Only to the live list (start-up: a command the restored desired state already holds). */
  addLive(body: CommandBody): void {
    const until = this.#toMono()(body.expiresAt);
    if (until < this.clock.mono()) return;
    this.#active.push(body);
    this.#activeUntil.push(until);
  }

  /** Drops expired commands from the live list. */
  prune(): void {
    const now = this.clock.mono();
    if (!this.#activeUntil.some((u) => u < now)) return;
    const keep = this.#activeUntil.map((u) => u >= now);
    this.#active = this.#active.filter((_, i) => keep[i]);
    this.#activeUntil = this.#activeUntil.filter((_, i) => keep[i]);
  }

  /** Live commands, oldest first. */
  get live(): readonly CommandBody[] {
    return this.#active;
  }

  desiredFor(seat: string): DesiredState {
    return desiredAt(this.#desired.get(seat) ?? initialSeatDesired(), this.clock.mono());
  }

  /** `_now` (the poll's wall time) is not used: liveness is monotonic, see the class comment. */
  respond(seat: SeatDef, ackCmd: number, _now?: number): PollAnswerParts {
    const now = this.clock.mono();
    const commands: CommandBody[] = [];
    const list = this.#active;
    const until = this.#activeUntil;
    for (let i = firstAbove(list, ackCmd); i < list.length && commands.length < MAX_COMMANDS_PER_POLL; i++) {
      const c = list[i]!;
      if (until[i]! >= now && targets(c.target, { id: seat.id, zone: seat.zone })) commands.push(c);
    }
    const answer: PollAnswerParts = { desired: desiredAt(this.#desired.get(seat.id) ?? initialSeatDesired(), now), commands };
    const newest = commands.at(-1)?.seq;
    if (newest !== undefined && newest > (this.#offered.get(seat.id) ?? 0)) {
      this.#offered.set(seat.id, newest);
      if (this.catchUpPollMs !== undefined) answer.pollSoonerMs = this.catchUpPollMs;
    }
    return answer;
  }

  /** Wall ms to monotonic ms, by the two clocks read now. */
  #toMono(): (wall: number) => number {
    const offset = this.clock.mono() - this.clock.wall();
    return (wall) => wall + offset;
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
