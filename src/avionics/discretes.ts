import type { DecodedParameter } from '../../protocols/arinc429/index.js';

/**
 * Discrete signals (weight on wheels, door open, power failures, over-
 * temperature, PA keyline, ...). Each is a bit of an installation-specific
 * discrete word (labels 270-276) or a line of a serial I/O module, with its
 * polarity, debounce, flap detection and staleness in config. The rules:
 *
 *   - a level must hold for `debounceMs` before it is believed;
 *   - more than `flap.maxEdges` raw edges within `flap.windowMs` is a fault
 *     (the value is then `unknown` until the edges calm down);
 *   - no word or line report for `staleMs` makes the value `unknown`.
 *
 * `unknown` is never read as either level by callers: the flight phase
 * treats an unknown weight-on-wheels as "airborne".
 */

export type DiscreteSource =
  /** `bit` is the ARINC bit number 11..29 of the discrete word; `sdi` filters one source when given. */
  | { kind: 'label'; label: number; bit: number; sdi?: number }
  /** An input of a Modbus discrete I/O module, `<module id>.DI<input address>` (io-module.ts ioLineName). */
  | { kind: 'line'; line: string };

export interface DiscreteConfig {
  /** e.g. "weightOnWheels", "doorOpen", "dcPowerFail", "acPowerFail", "overTemperature", "paKeyline". */
  name: string;
  source: DiscreteSource;
  /** True when a 0 bit / low line means "on" (ground-closed switches often are). */
  activeLow?: boolean;
  debounceMs: number;
  staleMs: number;
  flap?: { maxEdges: number; windowMs: number };
}

export type DiscreteValue = 'on' | 'off' | 'unknown';

export interface DiscreteState {
  name: string;
  value: DiscreteValue;
  fault: 'stale' | 'flapping' | null;
  /** Monotonic ms when `value` last changed. */
  since: number;
}

interface Track {
  cfg: DiscreteConfig;
  raw: boolean | null;
  rawSince: number;
  lastSeen: number | null;
  stable: boolean | null;
  edges: number[];
  state: DiscreteState;
}

const NONE: string[] = [];

export class DiscreteBank {
  readonly #tracks: Track[];

  constructor(configs: readonly DiscreteConfig[], now: number) {
    const names = new Set<string>();
    for (const c of configs) {
      if (names.has(c.name)) throw new Error(`discrete ${c.name} configured twice`);
      names.add(c.name);
      if (c.source.kind === 'label' && (c.source.bit < 11 || c.source.bit > 29)) throw new Error(`discrete ${c.name}: bit ${c.source.bit} is not a data bit (11-29)`);
    }
    this.#tracks = configs.map((cfg) => ({
      cfg,
      raw: null,
      rawSince: now,
      lastSeen: null,
      stable: null,
      edges: [],
      state: { name: cfg.name, value: 'unknown', fault: 'stale', since: now },
    }));
  }

  /** Feeds a decoded discrete word; other parameters are ignored. Returns the names whose raw level changed. */
  applyParameter(p: DecodedParameter, now: number): string[] {
    if (p.format !== 'discrete') return NONE;
    let changed: string[] = NONE;
    for (const t of this.#tracks) {
      const s = t.cfg.source;
      if (s.kind !== 'label' || s.label !== p.label) continue;
      if (s.sdi !== undefined && p.sdi !== s.sdi) continue;
      if (this.#sample(t, ((p.bits >>> (s.bit - 11)) & 1) === 1, now)) changed = [...changed, t.cfg.name];
    }
    return changed;
  }

  /** Feeds a line level from a serial I/O module (true = high / closed). Returns the names whose raw level changed. */
  applyLine(line: string, level: boolean, now: number): string[] {
    let changed: string[] = NONE;
    for (const t of this.#tracks) if (t.cfg.source.kind === 'line' && t.cfg.source.line === line && this.#sample(t, level, now)) changed = [...changed, t.cfg.name];
    return changed;
  }

  #sample(t: Track, level: boolean, now: number): boolean {
    const active = t.cfg.activeLow ? !level : level;
    t.lastSeen = now;
    if (t.raw === active) return false;
    if (t.raw !== null) t.edges.push(now);
    t.raw = active;
    t.rawSince = now;
    return true;
  }

  /**
   * The last undebounced level (true = active), or null if never seen. Only
   * for fail-safe use: a raw "weight off wheels" may close a gate at once,
   * never open one.
   */
  raw(name: string): boolean | null {
    return this.#tracks.find((t) => t.cfg.name === name)?.raw ?? null;
  }

  /** Re-evaluates every discrete at `now` (monotonic ms) and returns their states. */
  evaluate(now: number): DiscreteState[] {
    for (const t of this.#tracks) {
      const { cfg } = t;
      if (cfg.flap) t.edges = t.edges.filter((e) => now - e < cfg.flap!.windowMs);
      else t.edges.length = 0;
      let value: DiscreteValue;
      let fault: DiscreteState['fault'] = null;
      if (t.lastSeen === null || now - t.lastSeen > cfg.staleMs) {
        value = 'unknown';
        fault = 'stale';
        t.stable = null;
      } else if (cfg.flap && t.edges.length > cfg.flap.maxEdges) {
        value = 'unknown';
        fault = 'flapping';
        t.stable = null;
      } else {
        if (t.raw !== null && t.raw !== t.stable && now - t.rawSince >= cfg.debounceMs) t.stable = t.raw;
        value = t.stable === null ? 'unknown' : t.stable ? 'on' : 'off';
      }
      if (value !== t.state.value || fault !== t.state.fault) {
        t.state = { name: cfg.name, value, fault, since: value !== t.state.value ? now : t.state.since };
      }
    }
    return this.#tracks.map((t) => t.state);
  }

  get(name: string): DiscreteState | undefined {
    return this.#tracks.find((t) => t.cfg.name === name)?.state;
  }
}
