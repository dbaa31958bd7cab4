import { randomUUID } from 'node:crypto';
import type {
  ContentReport,
  DesiredState,
  FaultSeverity,
  LruInfo,
  MediaState,
  PollRequest,
  PollResponse,
  UpdateReport,
} from '../../protocols/seat-poll/types.js';
import {
  initialReceiverState,
  onMulticast,
  onPollResponse,
  type ReceiverState,
  type ReceiverStep,
} from '../../protocols/seat-command/receiver-state.js';
import type { CommandBody, Target } from '../../protocols/seat-command/types.js';
import { commandHandlers, type CommandResult } from './command-handlers.js';
import { Media, type Channel, type PaOverride } from './media.js';
import { isObj } from './response.js';

/** mono: monotonic ms (performance.now) for uptime, positions and ages; wall: epoch ms (Date.now) for `clockAt`. */
export interface SeatClock {
  mono(): number;
  wall(): number;
}

export const systemClock: SeatClock = { mono: () => performance.now(), wall: () => Date.now() };

export interface CommandOutcome {
  seq?: number;
  cmd?: string;
  result: CommandResult | 'expired' | 'unknown' | 'malformed';
  /** How the command reached the seat. */
  via?: 'multicast' | 'poll';
}

export type Message = DesiredState['message'];

export const FAULT_CODE = /^[A-Z][A-Z0-9_]{0,47}$/;
const MAX_FAULTS = 32;
const BOOT_VOLUME = 6;
const APPLIED_KEPT = 32;

/**
 * The state of one seat player and the seat's side of the poll: what it
 * reports (nextPoll) and what it does with an answer (applyResponse). No
 * sockets or timers here; time comes from the injected clock.
 */
export class SeatModel {
  /** Seqs of the last commands applied, oldest first. */
  readonly applied: number[] = [];
  /** How far this seat's wall clock is off, in ms: the controller should notice. */
  skewMs = 0;
  #lru: LruInfo;
  #bootId = '';
  #bootAt = 0;
  #seq = 0;
  #rx: ReceiverState = initialReceiverState();
  /** The seat's zone, as the controller's answers tell it; zone-targeted datagrams are judged by it. */
  #zone: string | undefined;
  /** Controller clock minus this seat's wall clock (skew included), from the last answer: expiry is judged on it. */
  #clockOffsetMs = 0;
  #media = new Media(BOOT_VOLUME);
  #message: Message = null;
  #call = { on: false, changedAt: 0 };
  #faults = new Map<string, { severity: FaultSeverity; since: number }>();
  #update: UpdateReport = { state: 'idle' };
  /** Told when the imposed channel's group changes (join/leave it); set by whoever receives streams. */
  onChannel: ((channel: Channel | null) => void) | undefined;
  /** Whether a channel's stream is really arriving; without a receiver, assumed. */
  receiving: (channel: Channel) => boolean = () => true;
  /** Poll v1.2: the content library's progress (src/sim/content); absent until content is simulated. */
  #content: ContentReport | undefined;

  constructor(
    readonly seat: string,
    lru: LruInfo,
    private readonly clock: SeatClock,
  ) {
    this.#lru = lru;
    this.reboot();
  }

  get lru(): LruInfo {
    return this.#lru;
  }
  get bootId(): string {
    return this.#bootId;
  }
  get seq(): number {
    return this.#seq;
  }
  get ackCmd(): number {
    return this.#rx.ackCmd;
  }
  /** The highest seq heard by multicast: snapshot it when a poll is sent, and hand it to applyResponse. */
  get heard(): number {
    return this.#rx.heard;
  }
  get zone(): string | undefined {
    return this.#zone;
  }
  /** The PA the seat is carrying, if any. */
  get pa(): PaOverride | null {
    return this.#media.pa;
  }
  get message(): Message {
    return this.#message;
  }
  /** The channel (or safety video) the cabin imposes, if any. */
  get channel(): Channel | null {
    return this.#media.channel;
  }
  get callOn(): boolean {
    return this.#call.on;
  }
  get mediaState(): MediaState {
    return this.#media.report(this.clock.mono(), this.receiving).state;
  }

  /** The next poll body. Takes a seq even if the poll is then lost, as a real seat's would be. */
  nextPoll(): PollRequest {
    const now = this.clock.mono();
    const faults = [...this.#faults].map(([code, f]) => ({ code, severity: f.severity, sinceMs: age(now, f.since) }));
    return {
      seat: this.seat,
      lru: this.#lru,
      bootId: this.#bootId,
      seq: ++this.#seq,
      ackCmd: this.#rx.ackCmd,
      uptimeMs: age(now, this.#bootAt),
      clockAt: Math.max(0, Math.round(this.clock.wall() + this.skewMs)),
      media: this.#media.report(now, this.receiving),
      inputs: { call: { on: this.#call.on, sinceMs: age(now, this.#call.changedAt) } },
      faults,
      update: this.#update,
      ...(this.#content ? { content: this.#content } : {}),
    };
  }

  /**
   * A verified datagram from the command group (any of its copies), settled by
   * the receiver rules (docs/protocol-commands.md). Until the first answer has
   * told the seat its zone it ignores datagrams: that poll brings them anyway.
   */
  onDatagram(body: CommandBody): CommandOutcome[] {
    if (this.#zone === undefined) return [];
    const step = onMulticast(this.#rx, body, { id: this.seat, zone: this.#zone }, this.#controllerNow());
    return this.#take(step, [body], 'multicast');
  }

  /**
   * Commands first, then `desired`: desired is the level-triggered truth, so it
   * has the last word. `heardAtRequest` is `heard` as it was when the poll was sent.
   */
  applyResponse(res: PollResponse, heardAtRequest = this.#rx.heard): CommandOutcome[] {
    this.#clockOffsetMs = res.serverAt - this.#ownWall();
    if (res.zone !== undefined) this.#zone = res.zone;
    const bodies: CommandBody[] = [];
    let malformed = 0;
    for (const raw of res.commands) {
      const body = commandOf(raw);
      if (body) bodies.push(body);
      else malformed++;
    }
    const step = onPollResponse(this.#rx, bodies, heardAtRequest, { id: this.seat, zone: this.#zone ?? '' }, this.#controllerNow());
    const outcomes = this.#take(step, bodies, 'poll');
    for (let i = 0; i < malformed; i++) outcomes.push({ result: 'malformed', via: 'poll' });
    const d = res.desired;
    this.setPa(d.paOverride);
    this.setLocked(d.locked);
    this.setChannel(d.channel);
    this.showMessage(d.message);
    this.capVolume(d.volumeCap);
    return outcomes;
  }

  /**
   * A new boot: new bootId, seq and uptime from zero, playback and the call
   * light gone. ackCmd survives (seats keep it in flash), or a `seat.reboot`
   * command would come back and reboot the seat forever.
   */
  reboot(): void {
    const now = this.clock.mono();
    this.#bootId = randomUUID();
    this.#bootAt = now;
    this.#seq = 0;
    if (this.#media.channel) this.onChannel?.(null);
    this.#media = new Media(BOOT_VOLUME);
    this.#message = null;
    this.#call = { on: false, changedAt: now };
    for (const f of this.#faults.values()) f.since = now;
    this.#update = { state: 'idle' };
    // Only ackCmd is kept in flash; what waited behind a gap comes back in a poll.
    this.#rx = initialReceiverState(this.#rx.ackCmd);
  }

  /** Another unit takes the seat: fresh hardware has no faults and has applied no commands. */
  swapLru(lru: LruInfo): void {
    this.#lru = lru;
    this.#faults.clear();
    this.#rx = initialReceiverState(0);
    this.reboot();
  }

  /** Returns whether the input changed (pressing a pressed button is no edge). */
  setCall(on: boolean): boolean {
    if (this.#call.on === on) return false;
    this.#call = { on, changedAt: this.clock.mono() };
    return true;
  }

  raiseFault(code: string, severity: FaultSeverity = 'warn'): void {
    if (!FAULT_CODE.test(code)) throw new RangeError(`fault code ${JSON.stringify(code)} must match ${FAULT_CODE.source}`);
    const existing = this.#faults.get(code);
    if (existing) {
      existing.severity = severity;
      return;
    }
    if (this.#faults.size >= MAX_FAULTS) throw new RangeError(`a seat reports at most ${MAX_FAULTS} faults`);
    this.#faults.set(code, { severity, since: this.clock.mono() });
  }

  clearFault(code: string): boolean {
    return this.#faults.delete(code);
  }

  play(item: string, positionMs = 0): void {
    this.#media.play(item, positionMs, this.clock.mono());
  }
  pauseMedia(): void {
    this.#media.pause(this.clock.mono());
  }
  resumeMedia(): void {
    this.#media.resume(this.clock.mono());
  }
  setPa(pa: PaOverride | null): void {
    this.#media.setPa(pa, this.clock.mono());
  }
  setLocked(locked: boolean): void {
    this.#media.setLocked(locked, this.clock.mono());
  }
  setChannel(channel: Channel | null): void {
    const before = this.#media.channel?.group ?? null;
    this.#media.setChannel(channel, this.clock.mono());
    if ((channel?.group ?? null) !== before) this.onChannel?.(channel);
  }
  capVolume(max: number): void {
    this.#media.capVolume(max);
  }
  showMessage(message: Message): void {
    this.#message = message;
  }
  /** The poll's `update` field, as a firmware update goes (src/sim/firmware). */
  setUpdate(report: UpdateReport): void {
    this.#update = report;
  }
  /** The poll's `content` field (src/sim/content). */
  setContent(report: ContentReport | undefined): void {
    this.#content = report;
  }
  get content(): ContentReport | undefined {
    return this.#content;
  }
  /** The unit runs another image from its next boot on. */
  setFirmware(version: string): void {
    this.#lru = { ...this.#lru, firmware: version };
  }

  /** The seat's own wall clock, skew and all, as firmware reads it. */
  #ownWall(): number {
    return this.clock.wall() + this.skewMs;
  }

  /** The seat's clock corrected by the last answer's serverAt: expiresAt is on the controller's clock. */
  #controllerNow(): number {
    return this.#ownWall() + this.#clockOffsetMs;
  }

  /**
   * Takes a receiver step: the new state first (a command may reboot the
   * seat), then each command to apply, in order. An expired, unknown or
   * malformed command is still settled: resending it cannot help.
   */
  #take(step: ReceiverStep, incoming: readonly CommandBody[], via: 'multicast' | 'poll'): CommandOutcome[] {
    const known = new Map([...this.#rx.pending, ...incoming].map((c) => [c.seq, c]));
    this.#rx = step.state;
    const outcomes: CommandOutcome[] = [];
    for (const s of step.skipped) {
      if (s.reason === 'expired') outcomes.push({ seq: s.seq, cmd: known.get(s.seq)?.cmd, result: 'expired', via });
    }
    for (const body of step.apply) {
      const { seq, cmd, args } = body as { seq: number; cmd: string; args: unknown };
      const handler = commandHandlers.get(cmd);
      let result: CommandOutcome['result'];
      if (MALFORMED.has(body) || !isObj(args)) result = 'malformed';
      else if (!handler) result = 'unknown';
      else result = handler(this, args);
      if (result === 'applied') {
        this.applied.push(seq);
        if (this.applied.length > APPLIED_KEPT) this.applied.shift();
      }
      outcomes.push({ seq, cmd, result, via });
    }
    return outcomes.sort((a, b) => a.seq! - b.seq!);
  }
}

/** Poll-listed bodies whose seq is sound but the rest is not: settled (acknowledged) and reported malformed. */
const MALFORMED = new WeakSet<object>();
const TO_ME: Target = { all: true };

/**
 * A poll-listed command as the receiver rules need it. The controller lists
 * only commands for this seat, so a missing target means this seat and a
 * missing expiry never. Without a usable seq it cannot be settled at all.
 */
function commandOf(raw: unknown): CommandBody | undefined {
  if (!isObj(raw)) return undefined;
  const { seq, cmd, args = {}, expiresAt, at, target } = raw;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  const body = {
    seq,
    at: typeof at === 'number' ? at : 0,
    expiresAt: typeof expiresAt === 'number' ? expiresAt : Number.POSITIVE_INFINITY,
    target: isTarget(target) ? target : TO_ME,
    cmd,
    args,
  } as CommandBody;
  if (typeof cmd !== 'string' || !isObj(args) || (expiresAt !== undefined && typeof expiresAt !== 'number')) MALFORMED.add(body);
  return body;
}

function isTarget(t: unknown): t is Target {
  if (!isObj(t)) return false;
  if (t.all === true) return true;
  const list = t.zones ?? t.seats;
  return Array.isArray(list) && list.every((x) => typeof x === 'string');
}

const age = (now: number, since: number): number => Math.max(0, Math.floor(now - since));
