import type { Subscription } from 'rxjs';
import type { ControllerContext } from '../contract/feature.js';
import { HealthCell, type Service } from '../core/service.js';
import { alertOrder, type Alert, type AlertBook, type AlertChange } from './alert.js';
import { AlertMetrics } from './alert-metrics.js';
import { AlertTable } from './alert-table.js';
import { ACK_ACTION, CLEAR_ACTION, reduceAlerts, reduceEntityAlerts, type Reduced } from './book.js';
import { reduceMoveExpiry } from './move-alert.js';

/** How often move alerts are checked against the registry's claims, at most: a claim expires without an event. */
const MOVE_CHECK_MAX_MS = 5000;

/**
 * Runs the alert book: folds every cabin event through the pure reducer,
 * writes changes behind to SQLite (batched per tick) and pushes each change to
 * live panels. Crew acks and clears are published as cabin events and come
 * back through the same reducer, so the book has one way in.
 */
export class AlertService implements Service {
  readonly name = 'alerts';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  #book: AlertBook = new Map();
  #table: AlertTable | undefined;
  #sub: Subscription | undefined;
  #unsaved: AlertChange[] = [];
  #moveCheck: ReturnType<typeof setInterval> | undefined;
  readonly #metrics: AlertMetrics;

  constructor(private readonly ctx: ControllerContext) {
    this.#metrics = new AlertMetrics(ctx.metrics.registry, () => [...this.#book.values()]);
  }

  async start(): Promise<void> {
    this.#table = new AlertTable(this.ctx.db);
    this.#book = new Map(this.#table.load().map((a) => [a.id, a]));
    this.#sub = this.ctx.bus.events$.subscribe((ev) => this.#apply(reduceAlerts(this.#book, ev)));
    // Systems that need a person (a halted rollout, a refused USB device) come as entities, not cabin events:
    // those set before this service started (the content feature's enumeration of USB) are read here.
    for (const entity of this.ctx.entities.all()) if (entity.kind !== 'seat') this.#apply(reduceEntityAlerts(this.#book, { type: 'set', entity }));
    // An open USB or system alert whose entity is gone altogether: the device (or the feature) is not known any more.
    for (const a of this.list()) {
      if ((a.kind === 'usb' || a.kind === 'system') && a.code && !this.ctx.entities.get(a.code)) this.#apply(reduceEntityAlerts(this.#book, { type: 'removed', id: a.code, kind: a.kind === 'usb' ? 'drive' : 'system' }));
    }
    this.#sub.add(this.ctx.entities.changes$.subscribe((c) => this.#apply(reduceEntityAlerts(this.#book, c))));
    // Claims live in memory only: a move alert kept from before a restart closes now (the unit's next poll raises it again).
    this.#checkMoves();
    // A quarter of the claim's lifetime, so an expired claim's alert goes within about a quarter more.
    const every = Math.min(MOVE_CHECK_MAX_MS, Math.max(250, this.ctx.config.cabin.moveDecisionTtlMs / 4));
    this.#moveCheck = setInterval(() => this.#checkMoves(), every);
    this.#moveCheck.unref();
    this.#health.set('ok');
  }

  async stop(): Promise<void> {
    this.#sub?.unsubscribe();
    this.#sub = undefined;
    clearInterval(this.#moveCheck);
    this.#save();
    this.#health.set('down', 'stopped');
  }

  #apply({ book, changes }: Reduced): void {
    this.#book = book;
    for (const c of changes) this.#changed(c);
  }

  #checkMoves(): void {
    // Nothing to look up on the usual tick: no move alert is open.
    if (![...this.#book.values()].some((a) => a.kind === 'move')) return;
    const waiting = this.ctx.registry.pendingMoves().filter((m) => m.decision === null);
    this.#apply(reduceMoveExpiry(this.#book, waiting));
  }

  /** Open alerts, the ones needing attention first. */
  list(): Alert[] {
    return [...this.#book.values()].sort(alertOrder);
  }

  get(id: string): Alert | undefined {
    return this.#book.get(id);
  }

  /** Returns the alert after the action, or undefined if it is no longer open. */
  ack(id: string, by: string): Alert | undefined {
    this.#crew(ACK_ACTION, id, by);
    return this.#book.get(id);
  }

  clear(id: string, by: string): void {
    this.#crew(CLEAR_ACTION, id, by);
  }

  #crew(action: string, id: string, by: string): void {
    const a = this.#book.get(id);
    if (a) this.ctx.bus.publish({ type: 'crew.action', seat: a.seat || null, at: Date.now(), action, by, detail: id });
  }

  #changed(c: AlertChange): void {
    this.#metrics.observe(c);
    this.ctx.bus.publish({ type: 'alert.changed', seat: c.alert.seat || null, at: Date.now(), change: c });
    if (this.#unsaved.push(c) === 1) queueMicrotask(() => this.#save());
  }

  #save(): void {
    const changes = this.#unsaved;
    if (changes.length === 0 || !this.#table) return;
    this.#unsaved = [];
    try {
      this.#table.apply(changes);
      this.#health.set('ok');
    } catch (e) {
      // The book in memory is still right; only a restart would lose these.
      this.ctx.log.error({ err: (e as Error).message, changes: changes.length }, 'saving alerts failed');
      this.#health.set('degraded', `saving alerts failed: ${(e as Error).message}`);
    }
  }
}
