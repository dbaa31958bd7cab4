import { randomUUID } from 'node:crypto';
import type {
  DesiredState,
  FaultSeverity,
  LruInfo,
  MediaState,
  PollRequest,
  PollResponse,
  UpdateReport,
} from '../../protocols/seat-poll/types.js';
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
  #ackCmd = 0;
  #media = new Media(BOOT_VOLUME);
  #message: Message = null;
  #call = { on: false, changedAt: 0 };
  #faults = new Map<string, { severity: FaultSeverity; since: number }>();
  #update: UpdateReport = { state: 'idle' };

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
    return this.#ackCmd;
  }
  get message(): Message {
    return this.#message;
  }
  get callOn(): boolean {
    return this.#call.on;
  }
  get mediaState(): MediaState {
    return this.#media.report(this.clock.mono()).state;
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
      ackCmd: this.#ackCmd,
      uptimeMs: age(now, this.#bootAt),
      clockAt: Math.max(0, Math.round(this.clock.wall() + this.skewMs)),
      media: this.#media.report(now),
      inputs: { call: { on: this.#call.on, sinceMs: age(now, this.#call.changedAt) } },
      faults,
      update: this.#update,
    };
  }

  /** Commands first, then `desired`: desired is the level-triggered truth, so it has the last word. */
  applyResponse(res: PollResponse): CommandOutcome[] {
    const outcomes: CommandOutcome[] = [];
    for (const raw of res.commands) {
      const outcome = this.#applyCommand(raw);
      if (outcome) outcomes.push(outcome);
    }
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
    this.#media = new Media(BOOT_VOLUME);
    this.#message = null;
    this.#call = { on: false, changedAt: now };
    for (const f of this.#faults.values()) f.since = now;
    this.#update = { state: 'idle' };
  }

  /** Another unit takes the seat: fresh hardware has no faults and has applied no commands. */
  swapLru(lru: LruInfo): void {
    this.#lru = lru;
    this.#faults.clear();
    this.#ackCmd = 0;
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
    this.#media.setChannel(channel, this.clock.mono());
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
  /** The unit runs another image from its next boot on. */
  setFirmware(version: string): void {
    this.#lru = { ...this.#lru, firmware: version };
  }

  /**
   * Applies each seq once and in order. An expired, unknown or malformed
   * command that has a seq is still acknowledged: resending it cannot help.
   */
  #applyCommand(raw: unknown): CommandOutcome | undefined {
    const seq = isObj(raw) ? raw.seq : undefined;
    if (!isObj(raw) || typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return { result: 'malformed' };
    if (seq <= this.#ackCmd) return undefined;
    this.#ackCmd = seq;
    const { cmd, args = {}, expiresAt } = raw;
    if (typeof cmd !== 'string' || !isObj(args) || (expiresAt !== undefined && typeof expiresAt !== 'number')) {
      return { seq, result: 'malformed' };
    }
    // Judged by the seat's own clock, skew and all, as real firmware would.
    if (expiresAt !== undefined && expiresAt <= this.clock.wall() + this.skewMs) return { seq, cmd, result: 'expired' };
    const handler = commandHandlers.get(cmd);
    if (!handler) return { seq, cmd, result: 'unknown' };
    const result = handler(this, args);
    if (result === 'applied') {
      this.applied.push(seq);
      if (this.applied.length > APPLIED_KEPT) this.applied.shift();
    }
    return { seq, cmd, result };
  }
}

const age = (now: number, since: number): number => Math.max(0, Math.floor(now - since));
