import { stat } from 'node:fs/promises';
import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import { systemClock, type Clock } from '../../core/clock.js';
import type { LogSink } from '../../core/log.js';
import type { VlcTelnetClient } from '../../protocols/vlc-telnet/client.js';
import { VlmError } from '../../protocols/vlc-telnet/errors.js';
import { vlmQuote } from '../../protocols/vlc-telnet/reply.js';
import type { VlmInstance, VlmShow } from '../../protocols/vlc-telnet/show.js';
import { parseGroup, type ChannelConfig } from './channel-config.js';
import { GroupMonitor } from './group-monitor.js';

export type ChannelState = 'on-air' | 'starting' | 'source-missing' | 'down';
export type SafetyState = 'idle' | 'playing' | 'paused' | 'source-missing' | 'down';

export interface ChannelAttributes {
  name: string;
  group: string;
  source: string;
  /** TS packets heard on the group since start. */
  packets: number;
  ccErrors: number;
  sawPat: boolean;
  sawPmt: boolean;
  /** 0..1 through the file, from VLM. */
  position?: number;
  /** VLM's instance state (`playing`, `paused`, `stopped`...) or `none`. */
  vlm: string;
}

export interface ChannelEntity {
  id: string;
  kind: 'channel';
  state: ChannelState;
  attributes: ChannelAttributes;
}

export interface SafetyEntity {
  id: string;
  kind: 'safety';
  state: SafetyState;
  attributes: ChannelAttributes & { onAir: boolean };
}

export interface SafetyEnded {
  id: string;
  /** The last position VLM reported (VLC stops streaming ~2 s before the file's end). */
  lastPosition: number | undefined;
  /** Monotonic ms. */
  at: number;
}

/** Where the manager gets VLC from: VlcProcess fits. */
export interface VlcConnectionSource {
  readonly client$: Observable<VlcTelnetClient | null>;
}

export interface ChannelManagerOptions {
  vlc: VlcConnectionSource;
  /** Validated with validateChannels first. */
  channels: readonly ChannelConfig[];
  safety: ChannelConfig;
  /** Where to join the groups to listen. Default 127.0.0.1. */
  interfaceAddress?: string;
  /** `show` this often. Default 1000. */
  pollIntervalMs?: number;
  /** On air only if a packet came within this. Default 2500. */
  heardWithinMs?: number;
  /** After set-up, `starting` this long before `down`. Default 8000. */
  startGraceMs?: number;
  log: LogSink;
  clock?: Clock;
}

interface Media {
  cfg: ChannelConfig;
  safety: boolean;
  monitor: GroupMonitor;
  sourceMissing: boolean;
  setUp: boolean;
  setupAt: number;
  instance: VlmInstance | undefined;
}

type SafetyWanted = 'idle' | 'playing' | 'paused';

/**
 * Keeps every channel on air through VLC's VLM and says truthfully which are:
 * a channel is `on-air` only when VLM says playing AND its packets are heard
 * on the group. Sets everything up again on each new VLC client (after every
 * restart); a channel whose file is missing is `source-missing` and is set up
 * once the file appears, without holding the others back. The safety video is
 * a broadcast without loop, played on demand, its end reported on
 * safetyEnded$.
 */
export class ChannelManager {
  readonly #opts: ChannelManagerOptions;
  readonly #clock: Clock;
  readonly #media: Media[];
  readonly #safety: Media;
  readonly #channels$: BehaviorSubject<ChannelEntity[]>;
  readonly #safety$: BehaviorSubject<SafetyEntity>;
  readonly #ended = new Subject<SafetyEnded>();
  readonly channels$: Observable<ChannelEntity[]>;
  readonly safety$: Observable<SafetyEntity>;
  readonly safetyEnded$: Observable<SafetyEnded> = this.#ended.asObservable();
  #client: VlcTelnetClient | null = null;
  /** The client whose set-up has finished: polls only use that one. */
  #ready: VlcTelnetClient | null = null;
  #sub: Subscription | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #wanted: SafetyWanted = 'idle';
  #sawSafetyPlaying = false;
  #lastSafetyPosition: number | undefined;

  constructor(opts: ChannelManagerOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    const now = (): number => this.#clock.mono();
    const make = (cfg: ChannelConfig, safety: boolean): Media => {
      const g = parseGroup(cfg.group);
      if (!g) throw new Error(`channel ${cfg.id}: bad group ${cfg.group} (validate the config first)`);
      return { cfg, safety, monitor: new GroupMonitor(g.address, g.port, opts.interfaceAddress ?? '127.0.0.1', now), sourceMissing: false, setUp: false, setupAt: 0, instance: undefined };
    };
    this.#media = opts.channels.map((c) => make(c, false));
    this.#safety = make(opts.safety, true);
    this.#media.push(this.#safety);
    this.#channels$ = new BehaviorSubject(this.#channelEntities());
    this.#safety$ = new BehaviorSubject(this.#safetyEntity());
    this.channels$ = this.#channels$.asObservable();
    this.safety$ = this.#safety$.asObservable();
  }

  get channels(): ChannelEntity[] {
    return this.#channels$.value;
  }

  get safety(): SafetyEntity {
    return this.#safety$.value;
  }

  async start(): Promise<void> {
    for (const m of this.#media) await m.monitor.open();
    this.#sub = this.#opts.vlc.client$.subscribe((client) => this.#onClient(client));
    this.#timer = setInterval(() => void this.#poll(), this.#opts.pollIntervalMs ?? 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#sub?.unsubscribe();
    clearInterval(this.#timer);
    this.#client = null;
    this.#ready = null;
    for (const m of this.#media) await m.monitor.close();
    this.#publish();
    this.#channels$.complete();
    this.#safety$.complete();
    this.#ended.complete();
  }

  /** Plays the safety video from its beginning (stop, then play). */
  async playSafety(): Promise<void> {
    const client = this.#requireClient();
    const m = this.#safety;
    if (!m.setUp) await this.#setup(client, m);
    if (m.sourceMissing) throw new Error(`safety video ${m.cfg.source} is missing`);
    await this.#control(client, m, 'stop', true);
    await this.#control(client, m, 'play');
    this.#wanted = 'playing';
    this.#sawSafetyPlaying = false;
    this.#lastSafetyPosition = 0;
    m.setupAt = this.#clock.mono();
    this.#publish();
  }

  async pauseSafety(): Promise<void> {
    if (this.#wanted !== 'playing') return;
    await this.#control(this.#requireClient(), this.#safety, 'pause');
    this.#wanted = 'paused';
    this.#publish();
  }

  /** Resumes where it was paused: VLM's `play` on a paused instance unpauses it. */
  async resumeSafety(): Promise<void> {
    if (this.#wanted !== 'paused') return;
    await this.#control(this.#requireClient(), this.#safety, 'play');
    this.#wanted = 'playing';
    this.#publish();
  }

  async stopSafety(): Promise<void> {
    this.#wanted = 'idle';
    const client = this.#client;
    if (client && this.#safety.setUp) await this.#control(client, this.#safety, 'stop', true);
    this.#publish();
  }

  #requireClient(): VlcTelnetClient {
    if (!this.#client) throw new Error('VLC is not running');
    return this.#client;
  }

  #onClient(client: VlcTelnetClient | null): void {
    this.#client = client;
    this.#ready = null;
    if (client) {
      // A new login: to a fresh VLC (after null) or to the same one (a reconnect, nothing lost).
      void this.#setupAll(client);
      return;
    }
    for (const m of this.#media) {
      m.setUp = false;
      m.instance = undefined;
    }
    this.#publish();
  }

  async #setupAll(client: VlcTelnetClient): Promise<void> {
    // After a telnet reconnect VLC still has its media, streaming: keep those (a re-setup would cut
    // every channel for a moment and restart the safety video); a fresh VLC shows none.
    let unsure = false; // `show` failed: any media may be there
    const shown = await client.show().catch(() => {
      unsure = true;
      return { media: [] as VlmShow['media'] };
    });
    let safetyKept = false;
    for (const m of this.#media) {
      if (this.#client !== client) return;
      const kept = shown.media.find((x) => x.name === m.cfg.id);
      if (kept && isSetUpAs(kept, m.cfg, m.safety) && (m.safety || kept.instances.length > 0)) {
        m.setUp = true;
        m.setupAt = this.#clock.mono();
        m.sourceMissing = false;
        m.instance = kept.instances[0];
        if (m.safety) safetyKept = kept.instances.length > 0;
        continue;
      }
      await this.#setup(client, m, unsure || kept !== undefined).catch((err: Error) => this.#opts.log.warn({ channel: m.cfg.id, err: err.message }, 'channel set-up failed'));
    }
    // A safety video cut off by a VLC restart starts again from the beginning.
    if (this.#client === client && this.#wanted !== 'idle' && !safetyKept) {
      await this.playSafety().catch((err: Error) => this.#opts.log.warn({ err: err.message }, 'safety video restart failed'));
    }
    if (this.#client === client) this.#ready = client;
    this.#publish();
  }

  /** `inVlm`: whether VLM may already have a media of this name (false right after `show` said not). */
  async #setup(client: VlcTelnetClient, m: Media, inVlm = true): Promise<void> {
    const { id, source, group } = m.cfg;
    m.sourceMissing = !(await isFile(source));
    if (m.sourceMissing) {
      m.setUp = false;
      this.#opts.log.warn({ channel: id, source }, 'channel source missing');
      return;
    }
    if (inVlm) await client.command(`del ${id}`).catch(ignoreVlm);
    // One `new` with its properties, not new + setup input + setup output: each command costs a
    // round trip of ~40 ms (VLC writes its reply and its prompt apart, and waits for our delayed
    // ACK between them), and after a VLC restart every channel is off air until it has run.
    await client.command(`new ${id} broadcast enabled${m.safety ? '' : ' loop'} input ${vlmQuote(source)} output #std{access=udp,mux=ts,dst=${group}}`);
    if (!m.safety) await client.command(`control ${id} play`);
    m.setUp = true;
    m.setupAt = this.#clock.mono();
  }

  async #control(client: VlcTelnetClient, m: Media, what: 'play' | 'pause' | 'stop', tolerate = false): Promise<void> {
    try {
      await client.command(`control ${m.cfg.id} ${what}`);
    } catch (err) {
      // `stop` on a media with no instance answers `unknown error`: nothing to stop.
      if (!(tolerate && err instanceof VlmError)) throw err;
    }
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const client = this.#ready;
      if (client) {
        const show = await client.show();
        if (this.#ready === client) await this.#apply(client, show);
      }
    } catch (err) {
      this.#opts.log.warn({ err: (err as Error).message }, 'VLM poll failed');
    } finally {
      this.#polling = false;
      this.#publish();
    }
  }

  async #apply(client: VlcTelnetClient, show: VlmShow): Promise<void> {
    const now = this.#clock.mono();
    const grace = this.#opts.startGraceMs ?? 8000;
    for (const m of this.#media) {
      m.instance = show.media.find((x) => x.name === m.cfg.id)?.instances[0];
      const present = await isFile(m.cfg.source);
      if (!m.setUp) {
        if (present) await this.#setup(client, m).catch((err: Error) => this.#opts.log.warn({ channel: m.cfg.id, err: err.message }, 'channel set-up failed'));
        continue;
      }
      m.sourceMissing = !present;
      if (m.safety) {
        this.#watchSafetyEnd(m);
        continue;
      }
      // A channel that stopped (its file went bad, VLC gave up) is kicked again once per grace period.
      if (present && m.instance?.state !== 'playing' && m.instance?.state !== 'opening' && !this.#heard(m) && now - m.setupAt > grace) {
        m.setupAt = now;
        await this.#control(client, m, 'play', true);
      }
    }
  }

  #watchSafetyEnd(m: Media): void {
    if (this.#wanted !== 'playing') return;
    const inst = m.instance;
    if (inst?.state === 'playing') {
      this.#sawSafetyPlaying = true;
      this.#lastSafetyPosition = inst.position;
      return;
    }
    const over = inst === undefined || inst.state === 'end' || inst.state === 'stopped' || inst.state === 'error';
    const grace = this.#opts.startGraceMs ?? 8000;
    if (over && (this.#sawSafetyPlaying || this.#clock.mono() - m.setupAt > grace)) {
      this.#wanted = 'idle';
      this.#publish(); // safety$ reads idle before anyone hears of the end
      this.#ended.next({ id: m.cfg.id, lastPosition: this.#lastSafetyPosition, at: this.#clock.mono() });
    }
  }

  #attributes(m: Media): ChannelAttributes {
    const s = m.monitor.stats();
    const a: ChannelAttributes = { name: m.cfg.name, group: m.cfg.group, source: m.cfg.source, packets: s.packets, ccErrors: s.ccErrors, sawPat: s.sawPat, sawPmt: s.sawPmt, vlm: m.instance?.rawState ?? 'none' };
    if (m.instance?.position !== undefined) a.position = m.instance.position;
    return a;
  }

  #heard(m: Media): boolean {
    return this.#clock.mono() - m.monitor.lastPacketAt <= (this.#opts.heardWithinMs ?? 2500);
  }

  #channelEntities(): ChannelEntity[] {
    const now = this.#clock.mono();
    return this.#media
      .filter((m) => !m.safety)
      .map((m) => {
        let state: ChannelState;
        if (m.sourceMissing) state = 'source-missing';
        else if (!this.#client) state = 'down';
        else if (this.#heard(m) && (m.instance?.state === 'playing' || wrapping(m.instance))) state = 'on-air';
        else if (!m.setUp || now - m.setupAt < (this.#opts.startGraceMs ?? 8000)) state = 'starting';
        else state = 'down';
        return { id: m.cfg.id, kind: 'channel' as const, state, attributes: this.#attributes(m) };
      });
  }

  #safetyEntity(): SafetyEntity {
    const m = this.#safety;
    let state: SafetyState;
    if (m.sourceMissing) state = 'source-missing';
    else if (!this.#client) state = 'down';
    else state = this.#wanted;
    return { id: m.cfg.id, kind: 'safety', state, attributes: { ...this.#attributes(m), onAir: m.instance?.state === 'playing' && this.#heard(m) } };
  }

  #publish(): void {
    if (this.#channels$.closed) return;
    const channels = this.#channelEntities();
    if (JSON.stringify(channels) !== JSON.stringify(this.#channels$.value)) this.#channels$.next(channels);
    const safety = this.#safetyEntity();
    if (JSON.stringify(safety) !== JSON.stringify(this.#safety$.value)) this.#safety$.next(safety);
  }
}

/**
 * A looping broadcast passes through `end` (or shows no instance) for a moment
 * as VLC wraps to the file's start; while its packets are still heard it is on
 * air, not starting again.
 */
function wrapping(instance: VlmInstance | undefined): boolean {
  return instance === undefined || instance.state === 'end' || instance.state === 'opening';
}

function ignoreVlm(err: unknown): void {
  if (!(err instanceof VlmError)) throw err;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Whether VLM's media is the one this manager sets up for `cfg` (same input, output and looping). */
function isSetUpAs(media: VlmShow['media'][number], cfg: ChannelConfig, safety: boolean): boolean {
  return media.type === 'broadcast' && media.enabled && media.loop === !safety && media.inputs.includes(cfg.source) && media.output.includes(`dst=${cfg.group}`);
}
