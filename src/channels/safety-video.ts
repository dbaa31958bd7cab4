import { BehaviorSubject, type Observable } from 'rxjs';
import type { Target } from '../../protocols/seat-command/types.js';
import type { LogSink } from '../../core/log.js';
import { DomainError } from '../contract/errors.js';
import type { ChannelConfig } from './channel-config.js';
import type { ChannelManager, SafetyEntity } from './channel-manager.js';

/** What the safety video needs of the command service (CommandService fits). */
export interface SafetyCommands {
  issue(request: unknown, opts: { issuer: string; ttlMs?: number }): { seq: number; targeted: number; acked: number; pending: string[]; offline: string[]; state: string };
}

/** A seat's delivery of the video: its command acknowledged, and the seat reporting it plays it. */
export interface SafetyDelivery {
  seq: number;
  targeted: number;
  /** Seats that acknowledged safety.play. */
  acked: number;
  /** Seats whose polls report media `safety` with the video as item (they receive its stream). */
  watching: number;
  /** Up to 24 seats not acknowledged yet, and how many of those are offline. */
  pending: string[];
  offline: number;
  state: string;
}

export type SafetyPhase = 'idle' | 'playing' | 'paused' | 'source-missing' | 'down';

export interface SafetyStatus {
  channel: string;
  name: string;
  group: string;
  state: SafetyPhase;
  /** 0..1 through the file, from VLM. */
  position: number | null;
  /** Packets flowing on the group right now. */
  onAir: boolean;
  /** Wall ms the crew started it, and who. */
  startedAt: number | null;
  startedBy: string | null;
  /** The PA source it waits for while paused. */
  pausedFor: string | null;
  delivery: SafetyDelivery | null;
  /** How the last showing ended. */
  lastEnd: { at: number; reason: 'finished' | 'stopped'; by: string } | null;
}

export type SafetyNotice =
  | { type: 'safety.started'; seq: number; by: string }
  | { type: 'safety.ended'; reason: 'finished' | 'stopped'; by: string; seq: number | null }
  | { type: 'safety.paused'; source: string }
  | { type: 'safety.resumed' };

export interface SafetyVideoOptions {
  manager: Pick<ChannelManager, 'playSafety' | 'pauseSafety' | 'resumeSafety' | 'stopSafety' | 'safety$' | 'safetyEnded$'>;
  safety: ChannelConfig;
  commands: SafetyCommands;
  notify(n: SafetyNotice): void;
  log: LogSink;
  /** The command's lifetime: longer than any safety video with its PA pauses. */
  ttlMs?: number;
}

const ALL: Target = { all: true };
export const SAFETY_ISSUER_END = 'safety-video';

/**
 * The crew's safety video: plays it from the start in VLC and commands every
 * seat to it (safety.play, locked, unskippable), pauses it for a PA and
 * resumes where it stopped, and releases every seat (channel.release) when it
 * ends or the crew stop it. State comes from the channel manager (VLM and the
 * packets heard), delivery from the command's acknowledgements and from what
 * seats report playing.
 */
export class SafetyVideo {
  readonly #o: SafetyVideoOptions;
  readonly #status: BehaviorSubject<SafetyStatus>;
  readonly status$: Observable<SafetyStatus>;
  #entity: SafetyEntity | undefined;
  readonly #pas = new Set<string>();
  #busy: Promise<unknown> = Promise.resolve();

  constructor(o: SafetyVideoOptions) {
    this.#o = o;
    this.#status = new BehaviorSubject<SafetyStatus>({
      channel: o.safety.id, name: o.safety.name, group: o.safety.group, state: 'down', position: null, onAir: false,
      startedAt: null, startedBy: null, pausedFor: null, delivery: null, lastEnd: null,
    });
    this.status$ = this.#status.asObservable();
    o.manager.safety$.subscribe((e) => {
      this.#entity = e;
      this.#patch({ state: e.state, position: e.attributes.position ?? null, onAir: e.attributes.onAir });
    });
    o.manager.safetyEnded$.subscribe(() => void this.#serial(() => this.#end('finished', SAFETY_ISSUER_END)));
  }

  get status(): SafetyStatus {
    return this.#status.value;
  }

  /** From the beginning, to every seat. Throws DomainError `unavailable` when VLC or the file is not there. */
  play(by: string): Promise<SafetyStatus> {
    return this.#serial(async () => {
      const state = this.#entity?.state ?? 'down';
      if (state === 'source-missing') throw new DomainError('unavailable', 'SAFETY_SOURCE_MISSING', `the safety video ${this.#o.safety.source} is missing`);
      if (state === 'down') throw new DomainError('unavailable', 'VLC_DOWN', 'VLC is not running: the safety video cannot be played (see GET /api/v1/entities?kind=channel)');
      try {
        await this.#o.manager.playSafety();
      } catch (err) {
        throw new DomainError('unavailable', 'VLC_DOWN', `VLC did not start the safety video: ${(err as Error).message}`);
      }
      const { channel, group } = { channel: this.#o.safety.id, group: this.#o.safety.group };
      const cmd = this.#o.commands.issue({ target: ALL, cmd: 'safety.play', args: { channel, group } }, { issuer: by, ...(this.#o.ttlMs ? { ttlMs: this.#o.ttlMs } : {}) });
      this.#patch({ startedAt: Date.now(), startedBy: by, pausedFor: null, delivery: { seq: cmd.seq, targeted: cmd.targeted, acked: cmd.acked, watching: 0, pending: cmd.pending.slice(0, 24), offline: cmd.offline.length, state: cmd.state } });
      this.#o.notify({ type: 'safety.started', seq: cmd.seq, by });
      // Crew pressed play during a PA: it waits, paused, at its first frame.
      const pa = [...this.#pas][0];
      if (pa) await this.#pauseFor(pa);
      return this.status;
    });
  }

  /** Stops it and releases every seat. Stopping an idle video is a no-op that still releases seats (a safe retry). */
  stop(by: string): Promise<SafetyStatus> {
    return this.#serial(async () => {
      await this.#o.manager.stopSafety().catch((err: Error) => this.#o.log.warn({ err: err.message }, 'VLC did not stop the safety video'));
      await this.#end('stopped', by);
      return this.status;
    });
  }

  /** A PA began: the video (if playing) pauses in VLC; seats pause for the PA's own pa.begin. */
  paStarted(source: string): Promise<void> {
    this.#pas.add(source);
    return this.#serial(() => this.#pauseFor(source));
  }

  /** A PA ended: once no PA is left, the video resumes where it stopped. */
  paStopped(source: string): Promise<void> {
    this.#pas.delete(source);
    return this.#serial(async () => {
      if (this.#pas.size > 0 || this.status.pausedFor === null) return;
      await this.#o.manager.resumeSafety().catch((err: Error) => this.#o.log.warn({ err: err.message }, 'VLC did not resume the safety video'));
      this.#patch({ pausedFor: null });
      this.#o.notify({ type: 'safety.resumed' });
    });
  }

  /** Delivery counts, from the command's status and the seats' reports. */
  updateDelivery(seq: number, d: Omit<SafetyDelivery, 'seq' | 'watching'>, watching: number): void {
    const cur = this.status.delivery;
    if (!cur || cur.seq !== seq) return;
    this.#patch({ delivery: { ...d, seq, watching, pending: d.pending.slice(0, 24) } });
  }

  async #pauseFor(source: string): Promise<void> {
    if (this.#entity?.state !== 'playing' || this.status.pausedFor !== null) return;
    await this.#o.manager.pauseSafety().catch((err: Error) => this.#o.log.warn({ err: err.message }, 'VLC did not pause the safety video'));
    this.#patch({ pausedFor: source });
    this.#o.notify({ type: 'safety.paused', source });
  }

  async #end(reason: 'finished' | 'stopped', by: string): Promise<void> {
    const had = this.status.delivery;
    let seq: number | null = null;
    try {
      seq = this.#o.commands.issue({ target: ALL, cmd: 'channel.release', args: { channel: this.#o.safety.id } }, { issuer: by }).seq;
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 'could not release the seats from the safety video');
    }
    const wasOn = had !== null;
    this.#patch({ pausedFor: null, delivery: null, startedAt: null, startedBy: null, lastEnd: wasOn ? { at: Date.now(), reason, by } : this.status.lastEnd });
    if (wasOn) this.#o.notify({ type: 'safety.ended', reason, by, seq });
  }

  #patch(p: Partial<SafetyStatus>): void {
    this.#status.next({ ...this.#status.value, ...p });
  }

  /** One crew action at a time: a stop pressed during a play waits for it. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(fn, fn);
    this.#busy = run.catch(() => undefined);
    return run;
  }
}
