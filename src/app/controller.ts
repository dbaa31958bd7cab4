import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { filter, type Subscription } from 'rxjs';
import { SeatRegistry } from '../cabin/registry.js';
import type { Layout } from '../config/layout.js';
import { CapabilityTable, type CapabilityName } from '../contract/capabilities.js';
import type { PurserConfig } from '../contract/config.js';
import { EventBus } from '../contract/event-bus.js';
import { CORE_EVENTS } from '../contract/events.js';
import type { ControllerContext, Feature, RoutePlugin } from '../contract/feature.js';
import { Metrics } from '../contract/metrics.js';
import type { Logger } from '../core/log.js';
import { HealthCell, type Health, type Service } from '../core/service.js';
import { StoppedWhileStarting } from '../core/start-failure.js';
import { Supervised } from '../core/supervisor.js';
import { EntityTable } from '../entities/entity-states.js';
import { HttpService } from '../http/server.js';
import { CabinStore } from '../store/cabin-store.js';
import { openDatabase, type Db } from '../store/database.js';
import { CORE_MIGRATIONS, type MigrationSet } from '../store/migrations.js';
import { loadOrCreateSecret } from '../store/secret-file.js';
import { WalCheckpointer } from '../store/wal-checkpointer.js';
import { WRITE_BEHIND_DEFAULTS, WriteBehind } from '../store/write-behind.js';
import { serviceEntity } from './service-entity.js';
import { BackgroundStarts, type FeatureServices } from './background-starts.js';
import { gatedWhileStarting } from './starting-gate.js';
import { listenEarly, type EarlyHttp } from '../systemd/early-http.js';
import { CLOCK_EVENTS, HeadEndClock } from '../systemd/head-end-clock.js';

export type { Feature };

const LIVENESS_INTERVAL_MS = 250;

export interface ControllerHooks {
  /** The "starting" listener is up (health answers 503 starting from here on). */
  onEarlyListen?: (url: string) => void;
}

/**
 * The composition root. Starts the spine (state dir, secret, store, event
 * bus, seat registry, entities, write-behind, liveness), then sets up each
 * feature in order, starting essential features' services as it goes, then
 * HTTP: from then on seats are answered (start() resolves). The other
 * features' services (TFTP thread, PA, VLC, console...) finish starting in
 * the background (`whenStarted()`); until each is up its health reads
 * `starting` and its feature's routes answer 503 with Retry-After. Stops in
 * reverse and flushes the store last. A start that fails (a StartFailure of
 * a background service included) stops whatever had started and rethrows;
 * a stop during the start leaves nothing running.
 */
export class Controller {
  readonly #features: Feature[];
  #ctx: ControllerContext | undefined;
  #db: Db | undefined;
  #checkpointer: WalCheckpointer | undefined;
  #http: HttpService | undefined;
  #services: Service[] = [];
  #health = new Map<string, Health>();
  #subs: Subscription[] = [];
  #timers: NodeJS.Timeout[] = [];
  #writeBehind: WriteBehind | undefined;
  #entities: EntityTable | undefined;
  #bus: EventBus | undefined;
  readonly #storeHealth = new HealthCell('ok');
  readonly #abort = new AbortController();
  /** The "starting" listener holding the HTTP port until the real server takes it (src/systemd/early-http.ts). */
  #early: EarlyHttp | undefined;
  /** What is still being opened or started, for GET /api/v1/health while starting. */
  #checking: string[] = [];
  #clock: HeadEndClock | undefined;
  /** start()'s own run, settled: what stop() waits for before it stops anything. */
  #starting: Promise<void> | undefined;
  /** The one stop, shared by stop() and a failed start. */
  #stopped: Promise<void> | undefined;
  readonly #background = new BackgroundStarts();
  /** How long each start-up step took, ms, in order: what to look at when "polls answered within 1 s" is missed. */
  readonly startupTimings: Record<string, number> = {};

  constructor(
    readonly config: PurserConfig,
    readonly layout: Layout,
    readonly log: Logger,
    features: Feature[] = [],
    private readonly hooks: ControllerHooks = {},
  ) {
    const names = new Set<string>();
    for (const f of features) {
      if (names.has(f.name) || f.name === 'core') throw new Error(`feature name ${f.name} is used twice`);
      names.add(f.name);
    }
    this.#features = features;
  }

  get ctx(): ControllerContext {
    if (!this.#ctx) throw new Error('controller not started');
    return this.#ctx;
  }

  /** Where people reach it (https when TLS is on). */
  get url(): string {
    return this.#http?.url ?? '';
  }

  /** Where seats poll (plain HTTP: their polls are signed). */
  get seatUrl(): string {
    return this.#http?.seatUrl ?? '';
  }

  /** Resolves, after start, with the route schemas that failed their background compile (none, for a sound build). */
  get schemasCompiled(): Promise<Error[]> {
    return this.#http?.warmed ?? Promise.resolve([]);
  }

  /** The starting listener's URL, once it listens (before the store opens). */
  get earlyUrl(): string {
    return this.#early?.url ?? '';
  }

  /** What start() is still opening or starting, then the services still starting in the background; empty once all are up. */
  get checking(): readonly string[] {
    return this.#checking.length > 0 ? this.#checking : this.#background.starting;
  }

  /** Seats are answered once this resolves; the other services go on starting (whenStarted). */
  async start(): Promise<void> {
    const run = this.#start();
    this.#starting = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      await run;
    } catch (e) {
      await this.#stopOnce();
      throw e;
    }
    this.#background.run(this.log, () => this.#abort.signal.aborted, this.startupTimings, (e) => {
      this.log.error({ err: (e as Error).message }, 'start failed: stopping');
      void this.#stopOnce();
    });
  }

  /**
   * Resolves once every service has made its first start (a supervised one
   * that failed is retrying by then, health `down`); rejects, after the
   * controller has stopped, when one could not start for a reason retrying
   * cannot mend (a configured port in use: StartFailure).
   */
  async whenStarted(): Promise<void> {
    await this.#starting;
    const failure = await this.#background.settled;
    if (failure) {
      await this.#stopOnce();
      throw failure;
    }
    if (this.#abort.signal.aborted) throw new StoppedWhileStarting();
  }

  /** Each await of the start is a point where a stop that came meanwhile ends it. */
  #checkNotStopped(): void {
    if (this.#abort.signal.aborted) throw new StoppedWhileStarting();
  }

  async #start(): Promise<void> {
    const { config, layout, log } = this;
    const startAt = performance.now();
    // First, so that from outside "starting" is told from "dead": health answers 503 starting, seats 503 + Retry-After.
    this.#checking = ['store', ...this.#features.map((f) => f.name), 'http'];
    this.#early = await listenEarly({ host: config.http.host, port: config.http.port, checking: () => this.checking });
    this.#checkNotStopped();
    this.hooks.onEarlyListen?.(this.#early.url);
    const t0 = performance.now();
    this.startupTimings.earlyHttp = Math.round(t0 - startAt);
    await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
    const secretHex = config.cabin.secret ?? (await loadOrCreateSecret(join(config.stateDir, 'cabin.secret'))).value;
    // The bearer token for the CLI and automation: generated beside the database when the config names none.
    config.api.token ??= (await loadOrCreateSecret(join(config.stateDir, 'api.token'), () => randomBytes(24).toString('base64url'))).value;
    this.#checkNotStopped();

    const bus = (this.#bus = new EventBus((type) => log.warn({ type }, 'event type published without a declaration: treated as live only')));
    bus.declare(CORE_EVENTS, 'core');
    bus.declare(CLOCK_EVENTS, 'system');
    for (const f of this.#features) if (f.events) bus.declare(f.events, f.name);

    const sets: MigrationSet[] = [{ feature: 'core', migrations: CORE_MIGRATIONS }, ...this.#features.filter((f) => f.migrations?.length).map((f) => ({ feature: f.name, migrations: f.migrations! }))];
    const dbPath = join(config.stateDir, 'purser.db');
    const db = (this.#db = openDatabase(dbPath, sets));
    (this.#checkpointer = new WalCheckpointer(db, dbPath, { log })).start();
    const store = new CabinStore(db);
    const { moveHoldMs, moveDecisionTtlMs, maxPastBoots } = config.cabin;
    const registry = new SeatRegistry(layout, config.cabin.pollIntervalMs, bus, { moveHoldMs, moveDecisionTtlMs, maxPastBoots });
    registry.restore(store.loadSnapshots());
    const entities = (this.#entities = new EntityTable(db));
    const metrics = new Metrics();
    const capabilities = new CapabilityTable();
    let current = 'core';
    // Features and routes see the port the starting listener holds (the real one when config says 0): a seat URL is known in setup.
    const ctx: ControllerContext = (this.#ctx = {
      config: { ...config, http: { ...config.http, port: this.#early.port } },
      layout,
      log,
      db,
      store,
      registry,
      bus,
      entities,
      metrics,
      cabinSecret: Buffer.from(secretHex, 'hex'),
      health: () => Object.fromEntries(this.#health),
      need: <K extends CapabilityName>(name: K) => capabilities.need(name, current),
      find: <K extends CapabilityName>(name: K) => capabilities.find(name),
      stopping: this.#abort.signal,
    });

    this.#subs.push(
      bus.events$.pipe(filter((ev) => bus.isStored(ev))).subscribe((ev) => {
        store.queueEvent(ev);
        metrics.cabinEvents.inc({ type: ev.type });
      }),
    );
    this.#startWriteBehind(registry, store, entities, metrics);
    this.#every(LIVENESS_INTERVAL_MS, () => registry.tick({ mono: performance.now(), wall: Date.now() }));
    this.#watch({ name: 'store', health$: this.#storeHealth.health$ });
    this.#watch({ name: 'wal-checkpointer', health$: this.#checkpointer.health$ });
    (this.#clock = new HeadEndClock({
      bus,
      entities,
      log,
      seatSkews: () => registry.all().flatMap((s) => (s.status === 'online' && s.skewMs !== null ? [s.skewMs] : [])),
    })).start();
    this.#done('store');
    this.startupTimings.store = Math.round(performance.now() - t0);

    const routes: RoutePlugin[] = [];
    const later: FeatureServices[] = [];
    for (const f of this.#features) {
      current = f.name;
      const setupAt = performance.now();
      const parts = await f.setup(ctx);
      this.#checkNotStopped();
      this.startupTimings[`setup:${f.name}`] = Math.round(performance.now() - setupAt);
      for (const [name, value] of Object.entries(parts.provides ?? {})) capabilities.provide(name as CapabilityName, value as never, f.name);
      const services = (parts.services ?? []).map((svc) => (f.essential ? svc : new Supervised(svc, log)));
      for (const s of services) {
        this.#watch(s);
        this.#services.push(s);
      }
      if (f.essential) {
        // Seats are not answered without these: they start here, in order, and fail the start.
        for (const s of services) {
          const t = performance.now();
          await s.start();
          this.#checkNotStopped();
          this.startupTimings[`service:${s.name}`] = Math.round(performance.now() - t);
        }
        routes.push(...(parts.routes ?? []));
      } else {
        const entry = this.#background.add(f.name, services);
        later.push(entry);
        // A route of a feature still starting answers 503 + Retry-After rather than meet a service that is not there yet.
        routes.push(...(parts.routes ?? []).map((r) => gatedWhileStarting(r, () => entry.starting)));
      }
      this.#done(f.name);
    }
    current = 'http';
    // The real server listens on the port the starting one holds (ctx.config.http.port).
    const early = this.#early!;
    const http = (this.#http = new HttpService(ctx, routes));
    this.#watch(http);
    this.#services.push(http);
    const httpAt = performance.now();
    await http.app.ready(); // plugins loaded before the hand-over, so the port is free for as short a time as can be
    this.#checkNotStopped();
    // Fastify compiles every route's schemas here (ajv): the largest part of the start on a busy machine.
    this.startupTimings.httpReady = Math.round(performance.now() - httpAt);
    await early.handOver();
    this.#early = undefined;
    await http.start();
    this.#checkNotStopped();
    this.startupTimings.http = Math.round(performance.now() - httpAt);
    this.startupTimings.total = Math.round(performance.now() - t0);
    /** From start() to seats answered: the figure of "polls answered within 1 s of start". */
    this.startupTimings.seatsAnswered = Math.round(performance.now() - startAt);
    void http.firstSeatAnswered.then((at) => {
      this.startupTimings.firstSeatPoll = Math.round(at - startAt);
      log.info({ ms: this.startupTimings.firstSeatPoll }, 'first seat poll answered');
    });
    this.#checking = [];
    log.info({ url: http.url, seats: layout.seats.length, stateDir: config.stateDir, startupMs: this.startupTimings, starting: this.#background.starting }, 'purser controller started');
  }

  #done(name: string): void {
    this.#checking = this.#checking.filter((n) => n !== name);
  }

  /** Seat snapshots, events and entities written behind about once a second; a failing store is `degraded` and its rows wait. */
  #startWriteBehind(registry: SeatRegistry, store: CabinStore, entities: EntityTable, metrics: Metrics): void {
    const failed = (e: Error) => {
      this.log.error({ err: e.message }, 'store flush failed; its rows are kept and retried');
      this.#storeHealth.set('degraded', `write-behind failed: ${e.message}; ${store.pendingRows + entities.unwritten} rows waiting`);
    };
    const writeBehind = (this.#writeBehind = new WriteBehind(registry, store, {
      ...WRITE_BEHIND_DEFAULTS,
      onCommit: (ms, rows) => {
        metrics.storeFlushSeconds.observe(ms / 1000);
        if (rows.seats > 0) metrics.storeRowsWritten.inc({ table: 'seats' }, rows.seats);
        if (rows.events > 0) metrics.storeRowsWritten.inc({ table: 'events' }, rows.events);
        this.#storeHealth.set('ok');
      },
      onError: failed,
    }));
    this.#every(WRITE_BEHIND_DEFAULTS.intervalMs, () => {
      writeBehind.flush();
      try {
        const n = entities.flush();
        if (n > 0) metrics.storeRowsWritten.inc({ table: 'entities' }, n);
      } catch (e) {
        failed(e as Error);
      }
    });
  }

  /** Every service's health: on /api/v1/health and as an entity `service:<name>`, so the panel and console show it. */
  #watch(s: Pick<Service, 'name' | 'health$'>): void {
    this.#subs.push(
      s.health$.subscribe((h) => {
        this.#health.set(s.name, h);
        this.#entities?.set(serviceEntity(s.name, h));
      }),
    );
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.push(t);
  }

  /**
   * Stops services in reverse order, then flushes and closes the store. Safe
   * after a failed or partial start, and during a start: the start ends at its
   * next step (StoppedWhileStarting) and whatever it had started is stopped.
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#starting;
    await this.#stopOnce();
  }

  #stopOnce(): Promise<void> {
    this.#abort.abort();
    this.#stopped ??= this.#stopAll();
    return this.#stopped;
  }

  async #stopAll(): Promise<void> {
    await this.#early?.handOver();
    this.#early = undefined;
    this.#clock?.stop();
    this.#clock = undefined;
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    // A supervised service's stop waits for its start under way, so nothing a background start opens outlives this.
    for (const s of [...this.#services].reverse()) {
      await s.stop().catch((e: Error) => this.log.warn({ service: s.name, err: e.message }, 'service stop failed'));
    }
    this.#services = [];
    await this.#background.settled;
    try {
      this.#writeBehind?.flushAll();
      this.#entities?.flush();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'store flush failed');
    }
    this.#writeBehind = undefined;
    for (const sub of this.#subs) sub.unsubscribe();
    this.#subs = [];
    this.#ctx?.registry.complete();
    this.#entities?.complete();
    this.#bus?.complete();
    await this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    this.#db?.close();
    this.#db = undefined;
    this.log.info('purser controller stopped');
  }
}
