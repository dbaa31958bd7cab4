import type { DesiredState, MediaReport } from '../../protocols/seat-poll/types.js';

export type PaOverride = NonNullable<DesiredState['paOverride']>;
export type Channel = NonNullable<DesiredState['channel']>;

/**
 * A seat's media: the passenger's own playback under what the cabin imposes (PA,
 * safety video, lock, a broadcast channel). While anything is imposed the
 * passenger's playback is held at its position; it resumes from there when the
 * cabin lets go. Times are monotonic milliseconds, passed in.
 */
export class Media {
  #item: string | null = null;
  #wantsPlay = false;
  /** Position at #since; the position advances only while #running(). */
  #positionMs = 0;
  #since = 0;
  #volume: number;
  #pa: PaOverride | null = null;
  #locked = false;
  #channel: Channel | null = null;

  constructor(volume: number) {
    this.#volume = volume;
  }

  get volume(): number {
    return this.#volume;
  }

  get pa(): PaOverride | null {
    return this.#pa;
  }

  /** The channel (or safety video) the cabin imposes, if any. */
  get channel(): Channel | null {
    return this.#channel;
  }

  get imposed(): boolean {
    return this.#pa !== null || this.#locked || this.#channel !== null;
  }

  positionMs(now: number): number {
    return this.#positionMs + (this.#running() ? now - this.#since : 0);
  }

  play(item: string, positionMs: number, now: number): void {
    this.#settle(now);
    this.#item = item;
    this.#positionMs = positionMs;
    this.#wantsPlay = true;
  }

  pause(now: number): void {
    this.#settle(now);
    this.#wantsPlay = false;
  }

  resume(now: number): void {
    this.#settle(now);
    this.#wantsPlay = this.#item !== null;
  }

  setPa(pa: PaOverride | null, now: number): void {
    this.#settle(now);
    this.#pa = pa;
  }

  setLocked(locked: boolean, now: number): void {
    this.#settle(now);
    this.#locked = locked;
  }

  setChannel(channel: Channel | null, now: number): void {
    this.#settle(now);
    this.#channel = channel;
  }

  /** Lowers the volume to the cap. A later, higher cap does not raise it again: no sudden blast in a passenger's ears. */
  capVolume(max: number): void {
    this.#volume = Math.min(this.#volume, max);
  }

  /**
   * What the seat reports. PA outranks the safety video, which plays even on a
   * locked seat; a lock outranks a channel. A channel's `item` is its name only
   * while its stream is really received (`receiving`): a tuned seat that hears
   * nothing reports no item, and a tuned channel without signal is `paused`.
   */
  report(now: number, receiving: (c: Channel) => boolean = () => true): MediaReport {
    const volume = this.#volume;
    const own = { item: this.#item, positionMs: Math.floor(this.positionMs(now)), volume };
    if (this.#pa) return { state: 'pa', ...own };
    if (this.#channel?.safety) return { state: 'safety', item: receiving(this.#channel) ? this.#channel.channel : null, volume };
    if (this.#locked) return { state: 'locked', ...own };
    if (this.#channel) return receiving(this.#channel) ? { state: 'playing', item: this.#channel.channel, volume } : { state: 'paused', item: null, volume };
    if (this.#item === null) return { state: 'idle', item: null, volume };
    return { state: this.#wantsPlay ? 'playing' : 'paused', ...own };
  }

  #running(): boolean {
    return this.#wantsPlay && !this.imposed;
  }

  /** Folds elapsed play time into the position before anything that could start or stop playback. */
  #settle(now: number): void {
    this.#positionMs = this.positionMs(now);
    this.#since = now;
  }
}
