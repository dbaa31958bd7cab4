import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Subject, type Subscription } from 'rxjs';
import type { Layout } from '../config/layout.js';
import type { PurserConfig } from '../config/types.js';
import { SeatRegistry } from '../cabin/registry.js';
import { idleResponder } from '../cabin/poll-responder.js';
import type { Logger } from '../core/log.js';
import type { Health, Service } from '../core/service.js';
import { Supervised } from '../core/supervisor.js';
import { Metrics } from '../http/metrics.js';
import { HttpService, type RoutePlugin } from '../http/server.js';
import { CabinStore } from '../store/cabin-store.js';
import { openDatabase, type Db } from '../store/database.js';
import { WalCheckpointer } from '../store/wal-checkpointer.js';
import { CORE_MIGRATIONS, type Migration } from '../store/migrations.js';
import { loadOrCreateSecret } from '../store/secret-file.js';
import { WRITE_BEHIND_DEFAULTS, WriteBehind } from '../store/write-behind.js';
import type { ControllerContext, LiveFrame } from './context.js';

/** A part of the controller that plugs in after the spine: migrations, routes, services. */
export interface Feature {
  name: string;
  migrations?: Migration[];
  routes?: RoutePlugin[];
  /** Called once the spine (store, registry) exists; returns services to run, in start order. */
  services?(ctx: ControllerContext): Service[] | Promise<Service[]>;
  /** Peripheral features are supervised (retried with backoff); essential ones fail the start. */
  essential?: boolean;
}

const LIVENESS_INTERVAL_MS = 250;

/**
 * The composition root. Starts the spine (state dir, secret, store, registry,
 * write-behind, liveness), then each feature's services in order, then HTTP;
 * stops in reverse and flushes the store last.
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
  readonly #abort = new AbortController();

  constructor(
    readonly config: PurserConfig,
    readonly layout: Layout,
    readonly log: Logger,
    features: Feature[] = [],
  ) {
    this.#features = features;
  }

  get ctx(): ControllerContext {
    if (!this.#ctx) throw new Error('controller not started');
    return this.#ctx;
  }

  get url(): string {
    return this.#http?.url ?? '';
  }

  async start(): Promise<void> {
    const { config, layout, log } = this;
    await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
    const secretHex = config.cabin.secret ?? (await loadOrCreateSecret(join(config.stateDir, 'cabin.secret'))).value;
    // The bearer token for the CLI and automation: generated beside the database when the config names none.
    config.api.token ??= (await loadOrCreateSecret(join(config.stateDir, 'api.token'), () => randomBytes(24).toString('base64url'))).value;
    const migrations = [...CORE_MIGRATIONS, ...this.#features.flatMap((f) => f.migrations ?? [])];
    const dbPath = join(config.stateDir, 'purser.db');
    const db = (this.#db = openDatabase(dbPath, migrations));
    (this.#checkpointer = new WalCheckpointer(db, dbPath, { log })).start();
    const store = new CabinStore(db);
    const registry = new SeatRegistry(layout, config.cabin.pollIntervalMs);
    registry.restore(store.loadSnapshots());
    const metrics = new Metrics();
    const ctx: ControllerContext = (this.#ctx = {
      config,
      layout,
      log,
      db,
      store,
      registry,
      metrics,
      cabinSecret: Buffer.from(secretHex, 'hex'),
      responder: idleResponder,
      live: new Subject<LiveFrame>(),
      health: () => Object.fromEntries(this.#health),
      stopping: this.#abort.signal,
    });

    this.#subs.push(
      registry.events$.subscribe((ev) => {
        store.queueEvent(ev);
        metrics.cabinEvents.inc({ type: ev.type });
      }),
    );
    const writeBehind = (this.#writeBehind = new WriteBehind(registry, store, {
      ...WRITE_BEHIND_DEFAULTS,
      onCommit: (ms, rows) => {
        metrics.storeFlushSeconds.observe(ms / 1000);
        if (rows.seats > 0) metrics.storeRowsWritten.inc({ table: 'seats' }, rows.seats);
        if (rows.events > 0) metrics.storeRowsWritten.inc({ table: 'events' }, rows.events);
      },
      onError: (e) => log.error({ err: e.message }, 'store flush failed'),
    }));
    this.#every(WRITE_BEHIND_DEFAULTS.intervalMs, () => writeBehind.flush());
    this.#every(LIVENESS_INTERVAL_MS, () => registry.tick({ mono: performance.now(), wall: Date.now() }));

    for (const f of this.#features) {
      for (const svc of (await f.services?.(ctx)) ?? []) {
        const s = f.essential ? svc : new Supervised(svc, log);
        this.#watch(s);
        await s.start();
        this.#services.push(s);
      }
    }
    const http = (this.#http = new HttpService(ctx, this.#features.flatMap((f) => f.routes ?? [])));
    this.#watch(http);
    await http.start();
    this.#services.push(http);
    log.info({ url: http.url, seats: layout.seats.length, stateDir: config.stateDir }, 'purser controller started');
  }

  #watch(s: Service): void {
    this.#subs.push(s.health$.subscribe((h) => this.#health.set(s.name, h)));
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#timers.push(t);
  }

  /** Stops services in reverse order, then flushes and closes the store. */
  async stop(): Promise<void> {
    this.#abort.abort();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    for (const s of [...this.#services].reverse()) {
      await s.stop().catch((e: Error) => this.log.warn({ service: s.name, err: e.message }, 'service stop failed'));
    }
    this.#services = [];
    try {
      this.#writeBehind?.flushAll();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'store flush failed');
    }
    this.#writeBehind = undefined;
    for (const sub of this.#subs) sub.unsubscribe();
    this.#subs = [];
    this.#ctx?.registry.complete();
    this.#ctx?.live.complete();
    await this.#checkpointer?.stop();
    this.#checkpointer = undefined;
    this.#db?.close();
    this.#db = undefined;
    this.log.info('purser controller stopped');
  }
}

