import { monitorCrewAlert } from './monitor-alert.js';
import { filter, take, type Subscription } from 'rxjs';
import { systemClock, type Clock } from '../../core/clock.js';
import type { LogSink } from '../../core/log.js';
import { SerialPortManager, type SerialPortEntity } from '../../hardware/serial/index.js';
import type { EntityStates } from '../contract/entities.js';
import type { EventBus } from '../contract/event-bus.js';
import { HealthCell, type Service } from '../core/service.js';
import { MonitorDriver } from './monitor-driver.js';
import type { MonitorEntity } from './types.js';

export interface MonitorConfig {
  id: string;
  path: string;
  baudRate: number;
  monitorId: number;
  pollIntervalMs: number;
  replyTimeoutMs: number;
}

export interface MonitorServiceDeps {
  entities: EntityStates;
  bus: EventBus;
  log: LogSink;
  clock?: Clock;
  /** The serial entity as the controller shows it. */
  serialEntity: (e: SerialPortEntity) => Parameters<EntityStates['set']>[0];
}

/**
 * The overhead monitors in the controller: one read-write port (hardware/serial)
 * and one NEC driver each; `monitor:<id>` and `serial:monitor-<id>` entities;
 * `monitor.fault` events. A monitor that does not answer is MONITOR_NO_REPLY.
 */
export class MonitorService implements Service {
  readonly name = 'monitors';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly #drivers = new Map<string, MonitorDriver>();
  readonly #states = new Map<string, MonitorEntity>();
  readonly #subs: Subscription[] = [];
  #serial: SerialPortManager | null = null;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly monitors: readonly MonitorConfig[],
    private readonly deps: MonitorServiceDeps,
  ) {}

  async start(): Promise<void> {
    const { entities, bus, log } = this.deps;
    const clock = this.deps.clock ?? systemClock;
    this.#serial = new SerialPortManager({ log, clock });
    for (const m of this.monitors) {
      const port = this.#serial.open({ id: `serial:monitor-${m.id}`, path: m.path, baudRate: m.baudRate, mode: 'read-write', silenceMs: 0 });
      this.#subs.push(port.state$.subscribe((e) => entities.set(this.deps.serialEntity(e))));
      const driver = new MonitorDriver({
        id: `monitor:${m.id}`,
        monitorId: m.monitorId,
        port,
        pollIntervalMs: m.pollIntervalMs,
        replyTimeoutMs: m.replyTimeoutMs,
        log,
        clock,
        onFault: (e) =>
          bus.publish({ type: 'monitor.fault', seat: null, at: clock.wall(), monitor: m.id, code: e.fault.code, raised: e.type === 'raised', detail: e.fault.detail }),
      });
      this.#drivers.set(m.id, driver);
      this.#subs.push(
        driver.state$.subscribe((s) => {
          this.#states.set(m.id, s);
          entities.set({ id: s.id, kind: 'monitor', name: m.id, state: s.state, attributes: { ...s.attributes, path: m.path, ...monitorCrewAlert(m.id, s) } });
          this.#updateHealth();
        }),
      );
      // The first poll waits for the port to open (a moment after start), so a start-up is not a MONITOR_PORT_DOWN; a port that never opens still is, after 3 s.
      let started = false;
      const go = () => {
        if (started || !this.#serial) return;
        started = true;
        driver.start();
      };
      this.#subs.push(port.state$.pipe(filter((e) => e.state !== 'down'), take(1)).subscribe(go));
      const timer = setTimeout(go, 3000);
      timer.unref();
      this.#timers.push(timer);
    }
    this.#updateHealth();
  }

  async stop(): Promise<void> {
    for (const t of this.#timers.splice(0)) clearTimeout(t);
    for (const d of this.#drivers.values()) d.stop();
    this.#drivers.clear();
    for (const s of this.#subs.splice(0)) s.unsubscribe();
    await this.#serial?.stop();
    this.#serial = null;
    this.#health.set('down', 'stopped');
  }

  driver(id: string): MonitorDriver | undefined {
    return this.#drivers.get(id);
  }

  list(): MonitorEntity[] {
    return [...this.#drivers.values()].map((d) => d.snapshot());
  }

  #updateHealth(): void {
    const bad = [...this.#states.entries()].filter(([, s]) => s.state === 'no-reply');
    if (bad.length > 0) this.#health.set('degraded', bad.map(([id, s]) => `${id}: ${s.attributes.faults.join(', ')}`).join('; '));
    else this.#health.set('ok');
  }
}
