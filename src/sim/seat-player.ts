import type { Agent } from 'node:http';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import { deriveLruKey, signBody } from '../../protocols/seat-poll/hmac.js';
import type { FaultSeverity, LruInfo, PollRequest, PollResponse } from '../../protocols/seat-poll/types.js';
import type { SeatEvent } from './events.js';
import { postPoll, type PollAnswer } from './poll-client.js';
import { parsePollResponse } from './response.js';
import { SeatModel, type CommandOutcome, type Message, type SeatClock } from './seat-model.js';
import type { PollStats } from './stats.js';

/** What all seats of one simulator share: one keep-alive agent, one clock, one set of counters. */
export interface PlayerContext {
  readonly agent: Agent;
  readonly pollUrl: URL;
  readonly secret: Buffer;
  readonly clock: SeatClock;
  readonly random: () => number;
  readonly stats: PollStats;
  readonly emit: (event: SeatEvent) => void;
  readonly requestTimeoutMs: number;
  /** Until the controller's first answer says otherwise. */
  readonly pollIntervalMs: number;
  /** A connection of the seat's own for its polls instead of the shared agent (the benches' lean load, bench/lib/raw-poll-client.ts). */
  readonly transport?: (seat: string) => PollTransport;
}

/** Where a seat's signed polls go, when not through the shared keep-alive agent. */
export interface PollTransport {
  post(body: string, signature: string, timeoutMs: number): Promise<PollAnswer>;
  close(): void;
}

/** A key no controller will accept, for the bad-signer behaviour. */
const WRONG_SECRET = Buffer.from('not the cabin secret');

/**
 * One simulated seat player: polls on a fixed grid (one poll in flight at a
 * time), applies answers through its SeatModel, and misbehaves on request.
 * Every failure is counted and retried at the next interval; nothing a
 * controller answers can throw out of here.
 */
export class SeatPlayer {
  readonly model: SeatModel;
  #ctx: PlayerContext;
  #key: Buffer;
  #badSigner = false;
  /** Poll v1.1: the nonce of the controller's last answer, sent in every poll (undefined: none yet, or a v1 seat). */
  #nonce: string | undefined;
  #legacy = false;
  #dropProbability = 0;
  #datagramLoss = 0;
  #silentUntil = -Infinity;
  #intervalMs: number;
  #nextAt = 0;
  #running = false;
  #inFlight: Promise<void> | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #flapTimer: NodeJS.Timeout | undefined;
  #holdTimer: NodeJS.Timeout | undefined;
  #transport: PollTransport | undefined;

  constructor(seat: string, lru: LruInfo, ctx: PlayerContext) {
    this.#ctx = ctx;
    this.model = new SeatModel(seat, lru, ctx.clock);
    this.#key = this.#deriveKey();
    this.#intervalMs = ctx.pollIntervalMs;
    this.#transport = ctx.transport?.(seat);
  }

  get seat(): string {
    return this.model.seat;
  }

  /** The interval the last poll answer asked for (the controller may ask for a sooner poll). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** Starts polling `phase` (0..1) of an interval from now, so a cabin's polls spread over the interval. */
  start(phase: number): void {
    if (this.#running) return;
    this.#running = true;
    this.#nextAt = this.#ctx.clock.mono() + phase * this.#intervalMs;
    this.#schedule();
  }

  /** Stops polling and every behaviour timer; resolves once the poll in flight, if any, has settled. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const t of [this.#pollTimer, this.#flapTimer, this.#holdTimer]) clearTimeout(t);
    this.#pollTimer = this.#flapTimer = this.#holdTimer = undefined;
    await this.#inFlight;
    this.#transport?.close();
  }

  // Behaviours a test or an operator injects.

  /** Each poll is lost with this probability (it still takes a seq: the controller sees the gap). */
  setDropProbability(p: number): void {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`drop probability ${p} is outside 0..1`);
    this.#dropProbability = p;
  }

  /** Each command datagram copy is lost with this probability, independently: the polls must make up for it. */
  setDatagramLoss(p: number): void {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`datagram loss ${p} is outside 0..1`);
    this.#datagramLoss = p;
  }

  /** A verified datagram from the command group (the simulator's one receiver fans each out to every seat). */
  hearDatagram(body: CommandBody): void {
    if (!this.#running) return;
    if (this.#datagramLoss > 0 && this.#ctx.random() < this.#datagramLoss) {
      this.#ctx.stats.countDatagramLost();
      return;
    }
    this.#ctx.stats.countDatagramHeard();
    // The second and third copies of a settled seq change nothing: skip the before/after comparison for them.
    if (body.seq <= this.model.ackCmd) return;
    this.#applied(() => this.model.onDatagram(body));
  }

  /** Loses every poll for `ms` from now, as an unplugged cable would; seq keeps counting. */
  goSilent(ms: number): void {
    this.#silentUntil = this.#ctx.clock.mono() + nonNegative(ms, 'silence');
  }

  /**
   * A new boot (new bootId, seq and uptime from zero) after `downMs` without
   * polling. A warm reboot keeps the poll nonce in RAM; a cold one (power lost)
   * starts without it and is asked for it (409 NONCE_REQUIRED) on its first poll.
   */
  reboot(downMs = 0, cold = false): void {
    if (cold) this.#nonce = undefined;
    this.#nextAt = Math.max(this.#nextAt, this.#ctx.clock.mono() + nonNegative(downMs, 'reboot time'));
    this.model.reboot();
    this.#emitBoot();
    this.#reschedule();
  }

  setClockSkew(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`clock skew ${ms} is not a number of ms`);
    this.model.skewMs = ms;
  }

  pressCall(): void {
    this.#setCall(true);
  }

  releaseCall(): void {
    clearTimeout(this.#holdTimer);
    this.#setCall(false);
  }

  /** Presses the call button and releases it `ms` later. */
  holdCall(ms: number): void {
    nonNegative(ms, 'hold time');
    this.pressCall();
    clearTimeout(this.#holdTimer);
    this.#holdTimer = setTimeout(() => this.#setCall(false), ms).unref();
  }

  /** Toggles the call input `hz` times a second (a chattering contact); 0 stops, leaving the input released. */
  flap(hz: number): void {
    if (!(hz >= 0 && hz <= 1000)) throw new RangeError(`flap rate ${hz} is outside 0..1000 Hz`);
    clearInterval(this.#flapTimer);
    this.#flapTimer = undefined;
    if (hz === 0) this.#setCall(false);
    else this.#flapTimer = setInterval(() => this.#setCall(!this.model.callOn), 1000 / hz).unref();
  }

  raiseFault(code: string, severity: FaultSeverity = 'warn'): void {
    this.model.raiseFault(code, severity);
  }

  clearFault(code: string): void {
    this.model.clearFault(code);
  }

  /** Another unit is fitted to this seat: the controller should record the swap. */
  swapLru(lru: LruInfo): void {
    this.model.swapLru(lru);
    this.#nonce = undefined; // the new unit never had one
    this.#key = this.#deriveKey();
    this.#emitBoot();
  }

  /** Speaks poll v1 (no nonce), as seat firmware from before poll v1.1 does; the controller flags it legacy. */
  setLegacyPoll(on: boolean): void {
    this.#legacy = on;
    if (on) this.#nonce = undefined;
  }

  /** The nonce this seat's next poll carries (poll v1.1). */
  get nonce(): string | undefined {
    return this.#nonce;
  }

  /** Signs with a key the controller cannot know, so every poll should be refused with 401. */
  setBadSigner(on: boolean): void {
    this.#badSigner = on;
    this.#key = this.#deriveKey();
  }

  #poll = (): void => {
    this.#pollTimer = undefined;
    const now = this.#ctx.clock.mono();
    // Keep to the grid through small timer delays; after a long stall, restart it rather than burst.
    const due = this.#nextAt < now - this.#intervalMs ? now : this.#nextAt;
    this.#nextAt = due + this.#intervalMs;
    const poll = this.model.nextPoll();
    const lost = this.#lost(now);
    if (lost) {
      this.#ctx.stats.countDropped();
      this.#ctx.emit({ type: 'poll', seat: this.seat, seq: poll.seq, outcome: lost });
      this.#schedule();
      return;
    }
    // #send handles every failure it can foresee; anything else is a simulator bug, counted rather than fatal.
    this.#inFlight = this.#send(poll)
      .catch(() => this.#ctx.stats.countError('internal'))
      .finally(() => {
        this.#inFlight = undefined;
        this.#schedule();
      });
  };

  #lost(now: number): 'silent' | 'dropped' | undefined {
    if (now < this.#silentUntil) return 'silent';
    if (this.#dropProbability > 0 && this.#ctx.random() < this.#dropProbability) return 'dropped';
    return undefined;
  }

  async #send(poll: PollRequest): Promise<void> {
    const { stats, emit } = this.#ctx;
    // Every seq up to this was published before the poll left: the answer vouches for the gaps below it.
    const heardAtRequest = this.model.heard;
    const sentNonce = this.#nonce;
    const body = JSON.stringify(sentNonce === undefined ? poll : { ...poll, nonce: sentNonce });
    stats.countSent();
    const fail = (error: string, latencyMs?: number) => {
      stats.countError(error);
      emit({ type: 'poll', seat: this.seat, seq: poll.seq, outcome: 'error', error, latencyMs });
    };
    let answer: PollAnswer;
    try {
      const signature = signBody(this.#key, body);
      answer = await (this.#transport ? this.#transport.post(body, signature, this.#ctx.requestTimeoutMs) : postPoll(this.#ctx.agent, this.#ctx.pollUrl, body, signature, this.#ctx.requestTimeoutMs));
    } catch (err) {
      if (this.#running) fail((err as NodeJS.ErrnoException).code ?? 'network');
      return;
    }
    if (!this.#running) return;
    const { status, latencyMs } = answer;
    stats.recordLatency(latencyMs);
    if (status === 409) {
      // STALE_POLL / NONCE_REQUIRED hand the nonce to use: poll again with it at once (once: only if it is new to us).
      const nonce = this.#legacy ? undefined : nonceIn(answer.body);
      if (nonce !== undefined && nonce !== sentNonce) {
        this.#nonce = nonce;
        this.#nextAt = this.#ctx.clock.mono();
      }
      return fail('409', latencyMs);
    }
    if (status !== 200) return fail(String(status), latencyMs);
    const parsed = parsePollResponse(answer.body);
    if (!parsed.ok) return fail('bad-response', latencyMs);
    if (!this.#legacy) this.#nonce = nonceIn(answer.body) ?? this.#nonce;
    stats.countOk();
    this.#apply(parsed.value, heardAtRequest);
    emit({ type: 'poll', seat: this.seat, seq: poll.seq, outcome: 'ok', latencyMs });
  }

  #apply(res: PollResponse, heardAtRequest: number): void {
    this.#applied(() => this.model.applyResponse(res, heardAtRequest));
    if (res.pollIntervalMs !== this.#intervalMs) {
      this.#nextAt += res.pollIntervalMs - this.#intervalMs;
      this.#intervalMs = res.pollIntervalMs;
    }
  }

  /** Runs a change to the model and tells observers what it came to. */
  #applied(change: () => CommandOutcome[]): void {
    const { model } = this;
    const before = { state: model.mediaState, message: model.message, bootId: model.bootId };
    const outcomes = change();
    const emit = this.#ctx.emit;
    for (const o of outcomes) emit({ type: 'command', seat: this.seat, ...o });
    if (model.bootId !== before.bootId) this.#emitBoot();
    if (model.mediaState !== before.state) emit({ type: 'media', seat: this.seat, state: model.mediaState });
    if (!sameMessage(model.message, before.message)) emit({ type: 'message', seat: this.seat, message: model.message });
  }

  #schedule(): void {
    if (!this.#running || this.#pollTimer || this.#inFlight) return;
    this.#pollTimer = setTimeout(this.#poll, Math.max(0, this.#nextAt - this.#ctx.clock.mono()));
  }

  /** After #nextAt moved: re-arm a waiting timer (a poll in flight re-arms itself when it settles). */
  #reschedule(): void {
    if (!this.#pollTimer) return;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    this.#schedule();
  }

  #setCall(on: boolean): void {
    if (this.model.setCall(on)) this.#ctx.emit({ type: 'call', seat: this.seat, on });
  }

  #emitBoot(): void {
    this.#ctx.emit({ type: 'boot', seat: this.seat, bootId: this.model.bootId, serial: this.model.lru.serial });
  }

  #deriveKey(): Buffer {
    return deriveLruKey(this.#badSigner ? WRONG_SECRET : this.#ctx.secret, this.model.lru.serial);
  }
}

const NONCE = /^[A-Za-z0-9_-]{1,64}$/;

/** The `nonce` of a poll answer or refusal (poll v1.1), if it has a well-formed one. */
function nonceIn(text: string): string | undefined {
  try {
    const v: unknown = (JSON.parse(text) as { nonce?: unknown } | null)?.nonce;
    return typeof v === 'string' && NONCE.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function nonNegative(ms: number, what: string): number {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`${what} ${ms} is not a duration in ms`);
  return ms;
}

const sameMessage = (a: Message, b: Message): boolean => a === b || (a !== null && b !== null && a.text === b.text && a.level === b.level);
