import { BehaviorSubject, Subject, type Subscription } from 'rxjs';
import type { Clock } from '../../core/clock.js';
import type { LogSink } from '../../core/log.js';
import {
  createFramer,
  decodeParameter,
  labelTable,
  readOnlyAvionicsSource,
  type ByteInput,
  type FramingErrorReason,
  type FramingName,
  type LabelTable,
  type RefusalReason,
  type SourceEvent,
  type WordFramer,
} from '../../protocols/arinc429/index.js';
import { ClockCheck, type ClockCheckOptions, type ClockReport } from './clock-check.js';
import { DiscreteBank, type DiscreteConfig, type DiscreteState } from './discretes.js';
import { FlightInfoFolder, type FlightInfo, type StaleLimits } from './flight-info.js';
import { initialPhaseState, nextPhase, type PhaseConfig, type PhaseState } from './flight-phase.js';

/**
 * The avionics word pipeline: bytes -> framer -> decoder -> flight info and
 * discretes -> flight phase. Cabin-free: options in, Observables out. Words
 * are folded as they arrive; the phase and discretes are re-evaluated on each
 * tick (a timer of `tickMs`, or the caller's `tick()` on virtual time).
 */

export interface AvionicsPipelineOptions {
  clock: Clock;
  /** The adapter's framing, by name or as a factory (one framer per attached port). */
  framing: FramingName | (() => WordFramer);
  labels?: LabelTable;
  discretes?: readonly DiscreteConfig[];
  staleMs?: Partial<StaleLimits>;
  phase?: Partial<PhaseConfig>;
  /** The discrete names the phase machine reads. */
  weightOnWheels?: string;
  doorOpen?: string;
  clockCheck?: ClockCheckOptions;
  /** How often the head-end clock is compared with avionics UTC. */
  clockCheckEveryMs?: number;
  /** Timer period for start(); tests leave the timer off and call tick(). */
  tickMs?: number;
  log?: Pick<LogSink, 'info' | 'warn'>;
}

/** Where a port's own frame and framing-error counts go (hardware/serial's port has both). */
export interface PortCounts {
  reportFrame(): void;
  reportError(reason: string): void;
}

export interface PipelineCounters {
  words: number;
  decoded: number;
  badParity: number;
  /** SSM failure warning, no computed data, functional test. */
  badSsm: number;
  unknownLabel: number;
  /** Out of range or bad BCD digits: a word that cannot be the parameter its label names. */
  badValue: number;
  framingErrors: number;
  refusedByReason: Partial<Record<RefusalReason, number>>;
  framingByReason: Partial<Record<FramingErrorReason, number>>;
}

export class AvionicsPipeline {
  readonly #o: AvionicsPipelineOptions;
  readonly #labels: LabelTable;
  readonly #info: FlightInfoFolder;
  readonly #discretes: DiscreteBank;
  readonly #clockCheck: ClockCheck;
  readonly #subs: Subscription[] = [];
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastClockCheck = -Infinity;
  #phase: PhaseState;
  readonly #c: PipelineCounters = {
    words: 0,
    decoded: 0,
    badParity: 0,
    badSsm: 0,
    unknownLabel: 0,
    badValue: 0,
    framingErrors: 0,
    refusedByReason: {},
    framingByReason: {},
  };

  readonly flightInfo$: BehaviorSubject<FlightInfo>;
  readonly discretes$: BehaviorSubject<DiscreteState[]>;
  /** Emits when the phase, onGround or the kind of reason changes (not its figures: see phase() for the latest). */
  readonly phase$: BehaviorSubject<PhaseState>;
  readonly clockReports$ = new Subject<ClockReport>();
  /** A discrete's raw (undebounced) level changed: the name. For fail-safe reactions that must not wait for a tick. */
  readonly rawEdges$ = new Subject<string>();

  constructor(options: AvionicsPipelineOptions) {
    this.#o = options;
    this.#labels = options.labels ?? labelTable();
    const now = options.clock.mono();
    this.#info = new FlightInfoFolder(options.staleMs);
    this.#discretes = new DiscreteBank(options.discretes ?? [], now);
    this.#clockCheck = new ClockCheck(options.clockCheck);
    this.flightInfo$ = new BehaviorSubject<FlightInfo>({});
    this.discretes$ = new BehaviorSubject<DiscreteState[]>(this.#discretes.evaluate(now));
    this.#phase = initialPhaseState(now);
    this.phase$ = new BehaviorSubject<PhaseState>(this.#phase);
  }

  /** Reads one port's bytes (read-only: see readOnlyAvionicsSource). Returns the subscription; stop() ends them all. */
  attach(input: ByteInput, framing: FramingName | (() => WordFramer) = this.#o.framing, counts?: PortCounts): Subscription {
    const framer = typeof framing === 'function' ? framing() : createFramer(framing);
    const source = readOnlyAvionicsSource(input, { framer, labels: this.#labels });
    const sub = source.events$.subscribe({
      next: (e) => {
        if (counts) {
          if (e.kind === 'framing-error') counts.reportError(e.error.reason);
          else counts.reportFrame();
        }
        this.#onEvent(e);
      },
      error: (err: unknown) => this.#o.log?.warn({ err: String(err) }, 'avionics byte source failed'),
    });
    this.#subs.push(sub);
    return sub;
  }

  /** One word already framed (a recorder, the simulator). */
  pushWord(raw: number): void {
    const r = decodeParameter(raw, this.#labels);
    this.#onEvent(r.ok ? { kind: 'parameter', parameter: r.parameter, word: r.word } : { kind: 'refused', reason: r.reason, word: r.word });
  }

  /** A line level from a serial discrete I/O module. */
  applyLine(line: string, level: boolean): void {
    for (const name of this.#discretes.applyLine(line, level, this.#o.clock.mono())) this.rawEdges$.next(name);
  }

  /** A discrete's last raw level (true = active), or null if never seen: see DiscreteBank.raw. */
  rawDiscrete(name: string): boolean | null {
    return this.#discretes.raw(name);
  }

  #onEvent(e: SourceEvent): void {
    const c = this.#c;
    if (e.kind === 'framing-error') {
      c.framingErrors++;
      c.framingByReason[e.error.reason] = (c.framingByReason[e.error.reason] ?? 0) + 1;
      return;
    }
    c.words++;
    if (e.kind === 'refused') {
      c.refusedByReason[e.reason] = (c.refusedByReason[e.reason] ?? 0) + 1;
      if (e.reason === 'bad-parity') c.badParity++;
      else if (e.reason === 'unknown-label') c.unknownLabel++;
      else if (e.reason === 'out-of-range' || e.reason === 'bad-bcd-digit') c.badValue++;
      else c.badSsm++;
      return;
    }
    c.decoded++;
    const now = this.#o.clock.mono();
    this.#info.apply(e.parameter, now);
    if (e.parameter.format === 'discrete') for (const name of this.#discretes.applyParameter(e.parameter, now)) this.rawEdges$.next(name);
  }

  /** Re-evaluates flight info, discretes, the phase and (now and then) the clocks. */
  tick(): void {
    const now = this.#o.clock.mono();
    const info = this.#info.snapshot(now);
    const discretes = this.#discretes.evaluate(now);
    this.flightInfo$.next(info);
    if (changedDiscretes(this.discretes$.value, discretes)) this.discretes$.next(discretes);
    const wow = this.#discretes.get(this.#o.weightOnWheels ?? 'weightOnWheels')?.value ?? 'unknown';
    const door = this.#discretes.get(this.#o.doorOpen ?? 'doorOpen')?.value ?? 'unknown';
    const prev = this.#phase;
    const next = nextPhase(
      prev,
      {
        now,
        altitudeFt: info.pressureAltitudeFt?.value ?? null,
        groundSpeedKt: info.groundSpeedKt?.value ?? null,
        altitudeRateFpm: info.altitudeRateFpm?.value ?? null,
        weightOnWheels: wow,
        doorOpen: door,
      },
      this.#o.phase,
    );
    this.#phase = next;
    // Subscribers wake only when what they show changes; the machine's memory moves on every tick.
    if (next.phase !== prev.phase || next.onGround !== prev.onGround || shape(next.reason) !== shape(prev.reason)) {
      if (next.phase !== prev.phase) this.#o.log?.info({ from: prev.phase, to: next.phase, reason: next.reason }, 'flight phase');
      this.phase$.next(next);
    }
    const every = this.#o.clockCheckEveryMs ?? 10_000;
    if (info.utcMinutes && now - this.#lastClockCheck >= every) {
      this.#lastClockCheck = now;
      const utcNow = info.utcMinutes.value + info.utcMinutes.ageMs / 60_000;
      this.clockReports$.next(this.#clockCheck.observe(utcNow % 1440, info.date?.value ?? null, now, this.#o.clock.wall()));
    }
  }

  /** Flight info as of now (flightInfo$ holds the one of the last tick). */
  flightInfoNow(): FlightInfo {
    return this.#info.snapshot(this.#o.clock.mono());
  }

  /** The latest state, memory and evidence included (phase$ holds the latest one that changed outwardly). */
  phase(): PhaseState {
    return this.#phase;
  }

  counters(): PipelineCounters {
    return { ...this.#c, refusedByReason: { ...this.#c.refusedByReason }, framingByReason: { ...this.#c.framingByReason } };
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.tick(), this.#o.tickMs ?? 1000);
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    for (const s of this.#subs.splice(0)) s.unsubscribe();
  }
}

/** A reason with its figures blanked: "climbing: ..., 12,345 ft" does not wake subscribers every second. */
function shape(reason: string): string {
  return reason.replace(/[\d,.]+/g, '#');
}

function changedDiscretes(a: readonly DiscreteState[], b: readonly DiscreteState[]): boolean {
  return a.length !== b.length || a.some((s, i) => s !== b[i]);
}
