/**
 * PA detection as a pure reducer: (state, event, now) -> (state, effects). Which
 * source holds the cabin's PA override, decided from audio levels and keylines;
 * nothing here touches a socket or a timer (see run-detector.ts for the timer).
 */

/** Highest priority first. */
export const PA_SOURCES = ['flightdeck', 'cabin', 'recorded'] as const;
export type PaSource = (typeof PA_SOURCES)[number];

export interface DetectorConfig {
  /** A packet at or above this RMS level carries sound. */
  thresholdDbfs: number;
  /** A source stays active this long after its last packet with sound. */
  hangoverMs: number;
  /** A keyline held, or sound without a hang-over's pause, this long is a fault and stops counting. */
  maxPaMs: number;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = { thresholdDbfs: -45, hangoverMs: 1500, maxPaMs: 10 * 60_000 };

export type DetectorEvent =
  | { type: 'packet'; source: PaSource; levelDbfs: number }
  | { type: 'keyline'; source: PaSource; on: boolean }
  /** Time passed: the runner sends one at nextDeadline(). */
  | { type: 'tick' };

export type PaFaultCode = 'PA_KEYLINE_STUCK' | 'PA_AUDIO_STUCK';

/**
 * The override moves as a begin of the new source, then an end of the old one:
 * so at most one source is begun and not ended at any time, and it is the one
 * seats must play. A seat that gets the begin first switches groups without
 * resuming its media in between.
 */
export type DetectorEffect =
  /** `source` now holds the override: after no PA, or after `previous` (a take-over or a hand-back). */
  | { type: 'pa.begin'; source: PaSource; previous: PaSource | null }
  /** `source` no longer holds the override: it went quiet ('ended'), or a higher source took over ('superseded'). */
  | { type: 'pa.end'; source: PaSource; reason: 'ended' | 'superseded' }
  | { type: 'pa.fault'; source: PaSource; code: PaFaultCode }
  | { type: 'pa.faultCleared'; source: PaSource; code: PaFaultCode };

export interface SourceState {
  /** The level of the last packet, or null before any. */
  readonly levelDbfs: number | null;
  /** When the last packet with sound arrived. */
  readonly soundAt: number | null;
  /** When the current run of sound began (pauses shorter than the hang-over included), or null. */
  readonly soundSince: number | null;
  readonly soundStuck: boolean;
  readonly keyline: boolean;
  readonly keylineSince: number;
  readonly keylineStuck: boolean;
}

export interface DetectorState {
  readonly config: DetectorConfig;
  readonly sources: Readonly<Record<PaSource, SourceState>>;
  /** The source whose audio the seats play, since when; null when there is no PA. */
  readonly override: { readonly source: PaSource; readonly since: number } | null;
}

export interface DetectorStep {
  state: DetectorState;
  effects: DetectorEffect[];
}

const IDLE: SourceState = {
  levelDbfs: null,
  soundAt: null,
  soundSince: null,
  soundStuck: false,
  keyline: false,
  keylineSince: 0,
  keylineStuck: false,
};

export function initialDetectorState(config: DetectorConfig = DEFAULT_DETECTOR_CONFIG): DetectorState {
  return { config, sources: { flightdeck: IDLE, cabin: IDLE, recorded: IDLE }, override: null };
}

export function reduce(state: DetectorState, event: DetectorEvent, now: number): DetectorStep {
  const sources = { ...state.sources };
  if (event.type === 'packet') {
    const s = sources[event.source];
    const sound = event.levelDbfs >= state.config.thresholdDbfs;
    sources[event.source] = { ...s, levelDbfs: event.levelDbfs, soundAt: sound ? now : s.soundAt };
  } else if (event.type === 'keyline' && event.on !== sources[event.source].keyline) {
    sources[event.source] = { ...sources[event.source], keyline: event.on, keylineSince: now };
  }

  const effects: DetectorEffect[] = [];
  for (const source of PA_SOURCES) sources[source] = settle(sources[source], source, now, state.config, effects);

  // The override always follows the highest-priority active source.
  const top = PA_SOURCES.find((source) => isActive(sources[source])) ?? null;
  const current = state.override?.source ?? null;
  let override = state.override;
  if (top !== current) {
    if (top !== null) effects.push({ type: 'pa.begin', source: top, previous: current });
    if (current !== null) effects.push({ type: 'pa.end', source: current, reason: isActive(sources[current]) ? 'superseded' : 'ended' });
    override = top === null ? null : { source: top, since: now };
  }
  return { state: { config: state.config, sources, override }, effects };
}

/** The earliest time a tick could change the state, or null if only an event can. */
export function nextDeadline(state: DetectorState): number | null {
  const { hangoverMs, maxPaMs } = state.config;
  let at = Infinity;
  for (const s of Object.values(state.sources)) {
    if (s.soundSince !== null) {
      at = Math.min(at, s.soundAt! + hangoverMs);
      if (!s.soundStuck) at = Math.min(at, s.soundSince + maxPaMs);
    }
    if (s.keyline && !s.keylineStuck) at = Math.min(at, s.keylineSince + maxPaMs);
  }
  return at === Infinity ? null : at;
}

/** Brings one source up to `now`: ends sound after the hang-over, and faults what has been on too long. */
function settle(s: SourceState, source: PaSource, now: number, config: DetectorConfig, effects: DetectorEffect[]): SourceState {
  const sounding = s.soundAt !== null && now - s.soundAt < config.hangoverMs;
  const soundSince = sounding ? (s.soundSince ?? now) : null;
  let { soundStuck, keylineStuck } = s;

  if (soundStuck && !sounding) {
    soundStuck = false;
    effects.push({ type: 'pa.faultCleared', source, code: 'PA_AUDIO_STUCK' });
  } else if (!soundStuck && sounding && now - soundSince! >= config.maxPaMs) {
    soundStuck = true;
    effects.push({ type: 'pa.fault', source, code: 'PA_AUDIO_STUCK' });
  }
  if (keylineStuck && !s.keyline) {
    keylineStuck = false;
    effects.push({ type: 'pa.faultCleared', source, code: 'PA_KEYLINE_STUCK' });
  } else if (!keylineStuck && s.keyline && now - s.keylineSince >= config.maxPaMs) {
    keylineStuck = true;
    effects.push({ type: 'pa.fault', source, code: 'PA_KEYLINE_STUCK' });
  }
  return { ...s, soundSince, soundStuck, keylineStuck };
}

function isActive(s: SourceState): boolean {
  return (s.soundSince !== null && !s.soundStuck) || (s.keyline && !s.keylineStuck);
}
