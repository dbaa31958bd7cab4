import { BehaviorSubject, EMPTY, Subject, filter, map, merge, type Observable, type Subscription, asyncScheduler } from 'rxjs';
import { DEFAULT_L16_PAYLOAD_TYPES } from '../../protocols/rtp/audio.js';
import { RtpMulticastReceiver, type RtpAudioDatagram, type RtpReceiverCounters } from '../../protocols/rtp/multicast-receiver.js';
import type { LogSink } from '../../core/log.js';
import { HealthCell, type Health, type Service } from '../core/service.js';
import { DEFAULT_DETECTOR_CONFIG, PA_SOURCES, type DetectorConfig, type DetectorEvent, type DetectorState, type PaFaultCode, type PaSource } from './detector.js';
import { runDetector, type Clock, type TimedStep } from './run-detector.js';

export interface PaConfig {
  sources: { name: PaSource; group: string; port: number }[];
  /** The local interface address the groups are joined on. */
  interface: string;
  thresholdDbfs?: number;
  hangoverMs?: number;
  maxPaMs?: number;
  l16PayloadTypes?: number[];
}

export interface PaServiceOptions {
  /** PA keyline inputs, where the hardware has them. */
  keyline$?: Observable<{ source: PaSource; on: boolean }>;
  /** Rate-limited: bad datagrams are logged through it. */
  log: Pick<LogSink, 'warn'>;
  clock?: Clock;
}

/**
 * What the controller turns into commands, one for one; `at` is monotonic ms.
 * A move of the override comes as the new source's begin, then the old one's end.
 */
export type PaEffect =
  /** Seats play `group` (address:port) for `source`; `previous` is the PA it replaces, null when media was playing. */
  | { type: 'pa.begin'; source: PaSource; group: string; previous: PaSource | null; at: number }
  | { type: 'pa.end'; source: PaSource; reason: 'ended' | 'superseded'; at: number }
  | { type: 'pa.fault' | 'pa.faultCleared'; source: PaSource; code: PaFaultCode; at: number };

/** The PA the cabin hears now, or null. */
export type PaState = { source: PaSource; group: string; since: number; levelDbfs: number | null } | null;

export interface PaCounters {
  receivers: Record<string, RtpReceiverCounters>;
  begins: number;
  ends: number;
  faults: number;
  /** Keyline events for a source with no configured group: seats would have nothing to play. */
  keylinesIgnored: number;
}

type Decoded = RtpAudioDatagram & { result: { ok: true } };

/** Level-only updates of state$ come at most this often: a level meter, not 50 events a second. */
const LEVEL_REFRESH_MS = 250;

/**
 * Listens to the PA groups and decides when the cabin's PA override begins,
 * moves and ends. It sends no commands: the controller subscribes to effects$
 * (before start()) and state$ (the level-triggered truth for desired.paOverride).
 */
export class PaService implements Service {
  readonly name = 'pa';
  readonly #health = new HealthCell();
  readonly #state = new BehaviorSubject<PaState>(null);
  readonly #effects = new Subject<PaEffect>();
  readonly state$: Observable<PaState> = this.#state.asObservable();
  readonly effects$: Observable<PaEffect> = this.#effects.asObservable();
  readonly #detector: DetectorConfig;
  readonly #l16PayloadTypes: ReadonlySet<number>;
  readonly #clock: Clock;
  #receivers: RtpMulticastReceiver[] = [];
  #groups = new Map<PaSource, string>();
  #subscription: Subscription | null = null;
  #levelShownAt = -Infinity;
  #counts = { begins: 0, ends: 0, faults: 0, keylinesIgnored: 0 };

  constructor(
    private readonly config: PaConfig,
    private readonly options: PaServiceOptions,
  ) {
    const names = config.sources.map((s) => s.name);
    const unknown = names.find((n) => !PA_SOURCES.includes(n));
    if (unknown !== undefined) throw new Error(`pa.sources: unknown source "${unknown}"`);
    if (new Set(names).size !== names.length) throw new Error('pa.sources: each source may appear once');
    this.#detector = {
      thresholdDbfs: config.thresholdDbfs ?? DEFAULT_DETECTOR_CONFIG.thresholdDbfs,
      hangoverMs: config.hangoverMs ?? DEFAULT_DETECTOR_CONFIG.hangoverMs,
      maxPaMs: config.maxPaMs ?? DEFAULT_DETECTOR_CONFIG.maxPaMs,
    };
    this.#l16PayloadTypes = new Set(config.l16PayloadTypes ?? DEFAULT_L16_PAYLOAD_TYPES);
    this.#clock = options.clock ?? { now: () => performance.now(), scheduler: asyncScheduler };
  }

  get health$(): Observable<Health> {
    return this.#health.health$;
  }

  async start(): Promise<void> {
    const { sources, interface: interfaceAddress } = this.config;
    this.#receivers = sources.map(
      (s) =>
        new RtpMulticastReceiver({
          source: s.name,
          group: s.group,
          port: s.port,
          interfaceAddress,
          l16PayloadTypes: this.#l16PayloadTypes,
          log: this.options.log,
          now: () => this.#clock.now(),
        }),
    );
    try {
      for (const r of this.#receivers) await r.open();
    } catch (err) {
      await this.#closeReceivers();
      this.#health.set('down', `cannot join the PA groups: ${(err as Error).message}`);
      throw err;
    }
    // The bound port, so a port of 0 (tests) still names a group seats can play.
    this.#groups = new Map(sources.map((s, i) => [s.name, `${s.group}:${this.#receivers[i]!.port}`]));

    // Refused datagrams were counted and logged by the receiver; detection never sees them.
    const packets$ = merge(
      ...sources.map((s, i) =>
        this.#receivers[i]!.datagrams$.pipe(
          filter((d): d is Decoded => d.result.ok),
          map((d): DetectorEvent => ({ type: 'packet', source: s.name, levelDbfs: d.result.levelDbfs })),
        ),
      ),
    );
    const keylines$ = (this.options.keyline$ ?? EMPTY).pipe(
      filter((k) => this.#hasGroup(k.source)),
      map((k): DetectorEvent => ({ type: 'keyline', source: k.source, on: k.on })),
    );
    this.#subscription = runDetector(merge(packets$, keylines$), this.#detector, this.#clock).subscribe((step) => this.#onStep(step));
    this.#health.set('ok');
  }

  async stop(): Promise<void> {
    this.#subscription?.unsubscribe();
    this.#subscription = null;
    // A stopped detector can no longer end a PA, so end it now: never leave the cabin frozen.
    const current = this.#state.value;
    if (current) {
      this.#state.next(null);
      this.#counts.ends++;
      this.#effects.next({ type: 'pa.end', source: current.source, reason: 'ended', at: this.#clock.now() });
    }
    await this.#closeReceivers();
    this.#groups = new Map();
    this.#health.set('down', 'stopped');
  }

  /** Each listened group as "address:port", with the bound port; empty until started. */
  get groups(): ReadonlyMap<PaSource, string> {
    return this.#groups;
  }

  counters(): PaCounters {
    return {
      receivers: Object.fromEntries(this.#receivers.map((r, i) => [this.config.sources[i]!.name, r.counters()])),
      ...this.#counts,
    };
  }

  async #closeReceivers(): Promise<void> {
    await Promise.all(this.#receivers.map((r) => r.close()));
    this.#receivers = [];
  }

  #hasGroup(source: PaSource): boolean {
    if (this.#groups.has(source)) return true;
    this.#counts.keylinesIgnored++;
    this.options.log.warn({ source }, 'PA keyline ignored: no group is configured for its source');
    return false;
  }

  /** State first, so a subscriber to effects$ that reads state$ sees the PA the effect describes. */
  #onStep({ state, effects, at }: TimedStep): void {
    this.#publishState(state, at);
    for (const e of effects) {
      if (e.type === 'pa.begin') {
        this.#counts.begins++;
        this.#effects.next({ ...e, group: this.#groups.get(e.source)!, at });
      } else {
        if (e.type === 'pa.end') this.#counts.ends++;
        else if (e.type === 'pa.fault') this.#counts.faults++;
        this.#effects.next({ ...e, at });
      }
    }
  }

  #publishState({ override, sources }: DetectorState, at: number): void {
    const shown = this.#state.value;
    if (!override) {
      if (shown) this.#state.next(null);
      return;
    }
    const levelDbfs = sources[override.source].levelDbfs;
    const moved = shown?.source !== override.source || shown.since !== override.since;
    if (moved || (levelDbfs !== shown.levelDbfs && at - this.#levelShownAt >= LEVEL_REFRESH_MS)) {
      this.#levelShownAt = at;
      this.#state.next({ source: override.source, group: this.#groups.get(override.source)!, since: override.since, levelDbfs });
    }
  }
}
