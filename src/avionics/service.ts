import { clockCrewAlert, discreteCrewAlert, ioModuleCrewAlert } from './crew-alerts.js';
import { Subject, distinctUntilChanged, map, type Subscription } from 'rxjs';
import { systemClock, type Clock } from '../../core/clock.js';
import type { LogSink } from '../../core/log.js';
import { SerialPortManager, type ReadOnlySerialPort, type SerialPortEntity } from '../../hardware/serial/index.js';
import type { EntityStates } from '../contract/entities.js';
import type { EventBus } from '../contract/event-bus.js';
import { HealthCell, type Service } from '../core/service.js';
import type { ClockReport } from './clock-check.js';
import { discreteConfigs, phaseOverrides, type AvionicsConfig } from './config.js';
import type { DiscreteState } from './discretes.js';
import { FlightFeed } from './flight-feed.js';
import type { FlightInfo } from './flight-info.js';
import type { PhaseState } from './flight-phase.js';
import { PhaseGroundGate } from './ground-gate.js';
import { IoModulePoller, type IoModuleSnapshot } from './io-module.js';
import { AvionicsPipeline } from './pipeline.js';

export interface AvionicsServiceDeps {
  entities: EntityStates;
  bus: EventBus;
  log: LogSink;
  clock?: Clock;
}

/** A serial-port entity as the controller shows it: `serial:<id>`, the hardware snapshot's fields. */
export function serialEntity(e: SerialPortEntity) {
  return { id: e.id, kind: 'serial-port', name: e.attributes.path, state: e.state, attributes: { ...e.attributes } };
}

/** The compact flight figures the panel's top bar shows (rounded: the entity changes at most once a second anyway). */
export function flightLine(info: FlightInfo) {
  const r = (v: { value: number } | undefined, step = 1) => (v ? Math.round(v.value / step) * step : null);
  return {
    flightNumber: info.flightNumber?.value ?? null,
    altitudeFt: r(info.pressureAltitudeFt, 10),
    groundSpeedKt: r(info.groundSpeedKt),
    headingDeg: r(info.trueHeadingDeg),
    outsideTempC: r(info.staticAirTempC),
    latitudeDeg: info.latitudeDeg ? Number(info.latitudeDeg.value.toFixed(3)) : null,
    longitudeDeg: info.longitudeDeg ? Number(info.longitudeDeg.value.toFixed(3)) : null,
  };
}

/**
 * The avionics feed in the controller: the read-only ports through
 * hardware/serial, the word pipeline on their bytes, and the entities and
 * events a crew member or technician reads. Built in setup (so the
 * `groundGate` exists before later features ask for it); the ports open in
 * start(). Until then, and after stop(), the gate refuses.
 */
export class AvionicsService implements Service {
  readonly name = 'avionics';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly pipeline: AvionicsPipeline;
  readonly gate: PhaseGroundGate;
  readonly feed: FlightFeed;
  /** The PA keyline discrete's believed level (unknown counts as released). */
  readonly keyline$ = new Subject<boolean>();
  readonly #clock: Clock;
  #serial: SerialPortManager | null = null;
  readonly #ports = new Map<string, ReadOnlySerialPort>();
  readonly #portStates = new Map<string, SerialPortEntity>();
  readonly #modules = new Map<string, IoModulePoller>();
  readonly #moduleStates = new Map<string, IoModuleSnapshot>();
  readonly #subs: Subscription[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #lastSkewOk: boolean | null = null;
  #lastFaults = new Map<string, DiscreteState['fault']>();

  constructor(
    private readonly config: AvionicsConfig,
    private readonly deps: AvionicsServiceDeps,
  ) {
    this.#clock = deps.clock ?? systemClock;
    this.pipeline = new AvionicsPipeline({
      clock: this.#clock,
      framing: 'binary-sync',
      discretes: discreteConfigs(config),
      phase: phaseOverrides(config),
      weightOnWheels: config.weightOnWheels,
      doorOpen: config.doorOpen,
      clockCheck: { maxSkewMs: config.clockMaxSkewMs },
      clockCheckEveryMs: config.clockCheckEveryMs,
      tickMs: config.tickMs,
      log: deps.log,
    });
    this.gate = new PhaseGroundGate(this.pipeline, config.weightOnWheels, () => (this.#running ? null : 'the avionics feed is not running'));
    this.feed = new FlightFeed(
      { info: () => this.pipeline.flightInfoNow(), phase: () => this.pipeline.phase(), ...(config.destination ? { destination: config.destination } : {}) },
      this.#clock,
    );
  }

  async start(): Promise<void> {
    const { entities } = this.deps;
    this.#serial = new SerialPortManager({ log: this.deps.log, clock: this.#clock });
    for (const p of this.config.ports) {
      const port = this.#serial.open({ id: `serial:${p.id}`, path: p.path, baudRate: p.baudRate, mode: 'read-only', silenceMs: p.silenceMs });
      this.#ports.set(p.id, port);
      this.#subs.push(
        port.state$.subscribe((e) => {
          this.#portStates.set(p.id, e);
          entities.set(serialEntity(e));
          this.#updateHealth();
        }),
      );
      this.#subs.push(this.pipeline.attach(port.data$, p.framing, port));
    }
    for (const m of this.config.ioModules) this.#startModule(m);
    this.#subs.push(this.pipeline.phase$.subscribe((s) => this.#onPhase(s)));
    this.#subs.push(this.pipeline.discretes$.subscribe((list) => this.#onDiscretes(list)));
    this.#subs.push(this.pipeline.clockReports$.subscribe((r) => this.#onClock(r)));
    this.#subs.push(
      this.pipeline.discretes$
        .pipe(
          map((list) => list.find((d) => d.name === this.config.paKeyline)?.value === 'on'),
          distinctUntilChanged(),
        )
        .subscribe((on) => this.keyline$.next(on)),
    );
    this.pipeline.start();
    this.#timer = setInterval(() => this.#publishFlight(), 1000);
    this.#timer.unref();
    this.#running = true;
    this.#publishFlight();
    this.#updateHealth();
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#timer);
    this.pipeline.stop();
    await Promise.all([...this.#modules.values()].map((m) => m.stop()));
    this.#modules.clear();
    this.#moduleStates.clear();
    for (const s of this.#subs.splice(0)) s.unsubscribe();
    await this.#serial?.stop();
    this.#serial = null;
    this.#ports.clear();
    this.#health.set('down', 'stopped');
  }

  /** A port's snapshot by its configured id (tests, the API). */
  port(id: string): SerialPortEntity | undefined {
    return this.#ports.get(id)?.snapshot();
  }

  /** A module's snapshot by its configured id (tests, the console). */
  ioModule(id: string): IoModuleSnapshot | undefined {
    return this.#modules.get(id)?.snapshot();
  }

  /**
   * One I/O module: its port READ-WRITE through the same manager as the
   * avionics ports (`serial:iomodule-<id>`, no silence watchdog: the poller's
   * misses say more), its poller feeding the pipeline's lines, `iomodule:<id>`.
   */
  #startModule(m: AvionicsConfig['ioModules'][number]): void {
    const port = this.#serial!.open({ id: `serial:iomodule-${m.id}`, path: m.port, baudRate: m.baudRate, mode: 'read-write', silenceMs: 0 });
    this.#subs.push(port.state$.subscribe((e) => this.deps.entities.set(serialEntity(e))));
    const poller = new IoModulePoller(m, port, (line, level) => this.pipeline.applyLine(line, level), { clock: this.#clock, log: this.deps.log });
    this.#modules.set(m.id, poller);
    this.#subs.push(
      poller.state$.subscribe((s) => {
        this.#moduleStates.set(m.id, s);
        this.deps.entities.set({
          id: `iomodule:${m.id}`,
          kind: 'io-module',
          name: m.id,
          state: s.state,
          attributes: {
            port: m.port,
            unit: m.unit,
            inputs: `${poller.lines()[0]} .. ${poller.lines().at(-1)}`,
            detail: s.detail,
            polls: s.polls,
            replies: s.replies,
            misses: s.misses,
            missesTotal: s.missesTotal,
            timeouts: s.timeouts,
            crcErrors: s.crcErrors,
            exceptions: s.exceptions,
            lastReplyAt: s.lastReplyAt,
            lastExceptionCode: s.lastExceptionCode,
            lastException: s.lastException,
            attention: s.state !== 'ok' && s.state !== 'unknown',
            ...ioModuleCrewAlert(m.id, s.state, s.detail),
          },
        });
        this.#updateHealth();
      }),
    );
    poller.start();
  }

  #updateHealth(): void {
    const bad = [...this.#portStates.values()].filter((e) => e.state !== 'ok').map((e) => `${e.id} ${e.state}: ${e.attributes.detail}`);
    for (const [id, s] of this.#moduleStates) if (s.state !== 'ok') bad.push(`iomodule:${id} ${s.state}: ${s.detail}`);
    const phase = this.pipeline.phase();
    if (bad.length > 0) this.#health.set('degraded', bad.join('; '));
    else if (phase.phase === 'unknown') this.#health.set('degraded', `flight phase unknown: ${phase.reason}`);
    else this.#health.set('ok');
  }

  #onPhase(s: PhaseState): void {
    const prev = this.deps.entities.get('flight:phase');
    this.feed.invalidate();
    this.#publishFlight();
    this.#updateHealth();
    if (prev && (prev.state !== s.phase || prev.attributes.onGround !== s.onGround)) {
      this.deps.bus.publish({ type: 'flight.phase', seat: null, at: this.#clock.wall(), from: prev.state, to: s.phase, onGround: s.onGround, reason: s.reason });
    }
  }

  /** flight:phase: the phase as state, onGround, the reason and the flight line as attributes. Every second, and on each phase change. */
  #publishFlight(): void {
    const s = this.pipeline.phase();
    const feed = this.feed.get().value;
    this.deps.entities.set({
      id: 'flight:phase',
      kind: 'flight',
      name: 'Flight phase',
      state: s.phase,
      attributes: {
        onGround: s.onGround,
        reason: s.reason,
        flight: flightLine(this.pipeline.flightInfoNow()),
        timeToDestinationMin: feed.timeToDestination?.minutes ?? null,
        destination: feed.timeToDestination?.destination ?? this.config.destination?.name ?? null,
      },
    });
  }

  #onDiscretes(list: DiscreteState[]): void {
    for (const d of list) {
      const cfg = this.config.discretes.find((c) => c.name === d.name);
      this.deps.entities.set({
        id: `discrete:${d.name}`,
        kind: 'discrete',
        name: d.name,
        state: d.value,
        attributes: {
          fault: d.fault,
          source: cfg?.line !== undefined ? `line ${cfg.line}` : `label ${cfg?.label} bit ${cfg?.bit}`,
          activeLow: cfg?.activeLow ?? false,
          ...discreteCrewAlert(d, this.#lastFaults.has(d.name)),
        },
      });
      const prev = this.#lastFaults.get(d.name);
      // The start-up "stale" (nothing heard yet) is not a fault worth an event; a discrete that was heard and went stale is.
      if (prev !== undefined && prev !== d.fault) {
        this.deps.bus.publish({ type: 'discrete.fault', seat: null, at: this.#clock.wall(), discrete: d.name, fault: d.fault, previous: prev });
      }
      if (prev !== undefined || d.fault !== 'stale') this.#lastFaults.set(d.name, d.fault);
    }
  }

  #onClock(r: ClockReport): void {
    const at = this.#clock.wall();
    for (const j of r.jumps) this.deps.bus.publish({ type: 'clock.report', seat: null, at, kind: 'jump', skewMs: Math.round(r.skewMs), clock: j.clock, byMs: Math.round(j.byMs) });
    if (r.skewOk !== this.#lastSkewOk && (this.#lastSkewOk !== null || !r.skewOk)) {
      this.deps.bus.publish({ type: 'clock.report', seat: null, at, kind: r.skewOk ? 'skew-ok' : 'skew', skewMs: Math.round(r.skewMs) });
    }
    this.#lastSkewOk = r.skewOk;
    this.deps.entities.set({
      id: 'clock:avionics-utc',
      kind: 'clock',
      name: 'Head-end clock vs avionics UTC',
      state: r.skewOk ? 'ok' : 'skewed',
      attributes: { skewMs: Math.round(r.skewMs / 1000) * 1000, dated: r.dated, resolutionMs: r.resolutionMs, ...clockCrewAlert(r) },
    });
  }
}
