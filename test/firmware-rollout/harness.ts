import { decide } from '../../src/firmware/rollout/decide.js';
import type { Effect, ImageRef, Now, Rollout, RolloutOptions, SeatView } from '../../src/firmware/rollout/model.js';
import { planRollout } from '../../src/firmware/rollout/plan.js';

export const IMAGE: ImageRef = { model: 'gp3', version: '2.5.0', size: 1000, sha256: 'a'.repeat(64), signature: `${'A'.repeat(86)}==` };

export const OPTIONS: RolloutOptions = {
  canary: 2,
  batchSize: 5,
  maxConcurrent: 50,
  successThreshold: 1,
  errorThreshold: { percent: 5, seats: 2 },
  seatTimeoutMs: 60_000,
  retries: 0,
};

/**
 * Virtual cabin and clock for the pure decisions: seats as the registry would
 * show them, commands numbered as the command log would, and helpers that make
 * a seat do what a seat player does.
 */
export class Bench {
  readonly cabin = new Map<string, SeatView>();
  now: Now = { mono: 1_000, wall: 1_763_800_000_000 };
  r!: Rollout;
  /** Every send effect, in order. */
  readonly sends: string[][] = [];
  readonly notes: string[] = [];
  #seq = 100;
  #boots = 0;

  constructor(seats: string[] | number, options: Partial<RolloutOptions> = {}) {
    const names = typeof seats === 'number' ? Array.from({ length: seats }, (_, i) => `${i + 1}A`) : seats;
    for (const s of names) this.cabin.set(s, { online: true, model: 'gp3', firmware: '2.4.1', bootId: this.#boot(), ackCmd: 0, update: { state: 'idle' } });
    this.options = { ...OPTIONS, ...options };
    this.names = names;
  }

  readonly options: RolloutOptions;
  readonly names: string[];

  plan(): Rollout {
    this.r = planRollout({ id: 1, image: IMAGE, target: { all: true }, seats: this.names, options: this.options, by: 'test', onGround: true, forced: false }, this.view, this.now);
    return this.r;
  }

  readonly view = (seat: string): SeatView | undefined => this.cabin.get(seat);

  /** One tick; sends are "issued" at once (each a new seq) unless `issue` is false. */
  tick(opts: { hold?: string; halt?: string; issue?: boolean } = {}): Effect[] {
    const d = decide(this.r, { type: 'tick', view: this.view, ...(opts.hold ? { hold: opts.hold } : {}), ...(opts.halt ? { halt: opts.halt } : {}) }, this.now);
    this.r = d.rollout;
    for (const e of d.effects) {
      if (e.type === 'note') this.notes.push(e.message);
      else {
        this.sends.push(e.seats);
        if (opts.issue !== false) this.r = decide(this.r, { type: 'sent', seats: e.seats, seq: ++this.#seq }, this.now).rollout;
      }
    }
    return d.effects;
  }

  advance(ms: number): void {
    this.now = { mono: this.now.mono + ms, wall: this.now.wall + ms };
  }

  state(seat: string): string {
    return this.r.seats.find((s) => s.seat === seat)!.state;
  }

  seqOf(seat: string): number {
    return this.r.seats.find((s) => s.seat === seat)!.seq!;
  }

  seatsIn(...states: string[]): string[] {
    return this.r.seats.filter((s) => states.includes(s.state)).map((s) => s.seat);
  }

  // What a seat does.

  /** Applies the command it was sent and reports a state. */
  report(seat: string, state: NonNullable<SeatView['update']>['state'], extra: { progress?: number; error?: string } = {}): void {
    const v = this.cabin.get(seat)!;
    this.cabin.set(seat, { ...v, ackCmd: Math.max(v.ackCmd, this.seqOf(seat)), update: { state, version: IMAGE.version, ...extra } });
  }

  /** Comes back from a reboot with the version. */
  succeed(seat: string): void {
    const v = this.cabin.get(seat)!;
    this.cabin.set(seat, { ...v, ackCmd: Math.max(v.ackCmd, this.seqOf(seat)), bootId: this.#boot(), firmware: IMAGE.version, update: { state: 'idle' } });
  }

  /** Reports failed in its poll, without rebooting. */
  fail(seat: string, error = 'sha256 mismatch'): void {
    this.report(seat, 'failed', { error });
  }

  /** A/B: the new image did not boot; back on the old one, saying why. */
  rollBack(seat: string, error = 'new image failed to boot; rolled back'): void {
    const v = this.cabin.get(seat)!;
    this.cabin.set(seat, { ...v, ackCmd: Math.max(v.ackCmd, this.seqOf(seat)), bootId: this.#boot(), update: { state: 'failed', version: IMAGE.version, error } });
  }

  set(seat: string, patch: Partial<SeatView>): void {
    this.cabin.set(seat, { ...this.cabin.get(seat)!, ...patch });
  }

  #boot(): string {
    return `boot-${++this.#boots}`;
  }
}
