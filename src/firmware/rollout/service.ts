import { targetLayoutErrors, targets } from '../../../protocols/seat-command/target.js';
import { formatFieldErrors } from '../../../protocols/seat-command/validate.js';
import type { FirmwareCatalog } from '../../../firmware/catalog.js';
import { DomainError } from '../../contract/errors.js';
import type { ControllerContext } from '../../contract/feature.js';
import type { CommandService } from '../../commands/command-service.js';
import { HealthCell, type Service } from '../../core/service.js';
import type { WhileRunning } from '../../core/while-running.js';
import { control, type ControlAction } from './control.js';
import { afterRestart, decide, type RolloutEvent } from './decide.js';
import { IN_FLIGHT, type Decision, type Effect, type Now, type Rollout, type SeatView } from './model.js';
import { packSeats } from './pack.js';
import { planRollout } from './plan.js';
import { RolloutMetrics } from './rollout-metrics.js';
import type { RolloutRequest } from './request.js';
import { RolloutTable } from './table.js';
import { summarize } from './view.js';

export interface RolloutDeps {
  commands: CommandService;
  /** The catalog while the firmware service runs (src/core/while-running.ts). */
  firmware: Pick<WhileRunning<{ catalog: FirmwareCatalog }>, 'get' | 'peek'>;
  /** The URL seats fetch an image from; undefined while TFTP is not serving. */
  imageUrl: (model: string, version: string) => string | undefined;
  tickMs?: number;
}

const ACTIVE = new Set<Rollout['state']>(['running', 'paused', 'halted']);

/**
 * Runs rollouts: each tick reads the told seats' last-known state from the
 * registry and applies the pure decisions. Every change is committed before
 * its effects: a seat is written down as queued (fsync'd) before its command
 * is issued, so a restart never forgets a seat it told.
 */
export class RolloutService implements Service {
  readonly name = 'rollouts';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly #table: RolloutTable;
  /** Rollouts that may still have seats to follow. */
  readonly #open = new Map<number, Rollout>();
  /** The fingerprint last committed, per rollout: only a change in it is written (see #commit). */
  readonly #committed = new Map<number, string>();
  #timer: NodeJS.Timeout | undefined;
  readonly #metrics: RolloutMetrics;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly deps: RolloutDeps,
  ) {
    this.#table = new RolloutTable(ctx.db);
    this.#metrics = new RolloutMetrics(ctx.metrics.registry, () => this.#open.values());
  }

  async start(): Promise<void> {
    const now = clock();
    for (const stored of this.#table.open()) {
      const r = afterRestart(stored, now);
      if (ACTIVE.has(r.state) || r.seats.some((s) => IN_FLIGHT.has(s.state))) this.#open.set(r.id, r);
      this.#committed.set(r.id, fingerprint(r));
      if (ACTIVE.has(r.state)) this.ctx.log.info({ rollout: r.id, state: r.state }, 'firmware rollout resumed after restart');
    }
    this.#timer = setInterval(() => this.#tickAll(), this.deps.tickMs ?? 500);
    this.#timer.unref();
    this.#health.set('ok');
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    for (const r of this.#open.values()) this.#table.save(r, false);
    this.#open.clear();
    this.#health.set('down', 'stopped');
  }

  /** Plans, commits and starts a rollout; a DomainError (its HTTP status from STATUS_OF) for anything that stops it. */
  create(req: RolloutRequest, by: string): Rollout {
    const { layout } = this.ctx;
    const layoutErrors = targetLayoutErrors(req.target, { isSeat: (s) => layout.byId.has(s), isZone: (z) => layout.zones.includes(z) });
    if (layoutErrors.length > 0) throw new DomainError('invalid', 'INVALID_TARGET', formatFieldErrors(layoutErrors), layoutErrors[0]!.field);
    // With avionics, the flight phase decides and the request's onGround/force are not asked: a claim cannot beat the evidence.
    const groundGate = this.ctx.find('groundGate');
    const decision = groundGate?.check('rollout');
    if (decision && !decision.allowed) throw new DomainError('conflict', 'IN_FLIGHT', `refusing to flash seats: ${decision.reason}`);
    if (!groundGate && !req.onGround && !req.force) {
      throw new DomainError('conflict', 'IN_FLIGHT', 'refusing to flash seats in flight: roll out on the ground (onGround: true), or force it');
    }
    const onGround = groundGate ? true : req.onGround;
    const forced = groundGate ? false : req.force;
    const { catalog } = this.deps.firmware.get();
    const image = catalog.get(req.model, req.version);
    if (!image) throw new DomainError('not-found', 'UNKNOWN_IMAGE', `no image ${req.model} ${req.version} in the catalog: import it first`, 'version');
    if (image.state !== 'ready') throw new DomainError('conflict', 'IMAGE_QUARANTINED', `${req.model} ${req.version} is quarantined (${image.reason ?? 'no reason recorded'}): re-import it`, 'version');
    const busy = [...this.#open.values()].find((r) => ACTIVE.has(r.state));
    if (busy) throw new DomainError('conflict', 'ROLLOUT_ACTIVE', `rollout ${busy.id} of ${busy.image.model} ${busy.image.version} is ${busy.state}: cancel it or let it complete first`);

    const now = clock();
    const { model, version, size, sha256, signature } = image;
    const seats = layout.seats.filter((s) => targets(req.target, { id: s.id, zone: s.zone })).map((s) => s.id);
    const r = this.#table.create(model, version, now.wall, (id) =>
      planRollout({ id, image: { model, version, size, sha256, signature }, target: req.target, seats, options: req.options, by, onGround, forced }, this.#view, now),
    );
    this.#committed.set(r.id, fingerprint(r));
    this.#open.set(r.id, r);
    this.#note({ type: 'note', level: 'info', message: `rollout ${r.id} of ${model} ${version} to ${r.groups.reduce((n, g) => n + g.size, 0)} seats started by ${by}${forced && !onGround ? ' IN FLIGHT (forced)' : ''}${groundGate ? ' (on the ground by the flight phase)' : ''}` });
    this.#tick(r.id); // the canary starts now, not half a second later
    return this.#open.get(r.id) ?? r;
  }

  control(id: number, action: ControlAction, by: string): Rollout {
    const r = this.#open.get(id) ?? this.#table.get(id);
    if (!r) throw new DomainError('not-found', 'UNKNOWN_ROLLOUT', `no rollout ${id}`, 'id');
    if (action === 'retry' && !this.#open.has(id)) {
      const busy = [...this.#open.values()].find((o) => ACTIVE.has(o.state));
      if (busy) throw new DomainError('conflict', 'ROLLOUT_ACTIVE', `rollout ${busy.id} is ${busy.state}: cancel it or let it complete first`);
    }
    const res = control(r, action, by, clock());
    if (!res.ok) throw new DomainError('conflict', 'ROLLOUT_STATE', res.message);
    this.#open.set(id, r);
    this.#apply(id, res.decision);
    if (action === 'retry' || action === 'resume') this.#tick(id);
    return this.#open.get(id) ?? this.#table.get(id)!;
  }

  get(id: number): Rollout | undefined {
    return this.#open.get(id) ?? this.#table.get(id);
  }

  /** Newest first; open ones as they are now. */
  list(limit: number): Rollout[] {
    return this.#table.list(limit).map((r) => this.#open.get(r.id) ?? r);
  }

  readonly #view = (seat: string): SeatView | undefined => {
    const s = this.ctx.registry.get(seat);
    if (!s) return undefined;
    return { online: s.status === 'online', model: s.lru?.model ?? null, firmware: s.lru?.firmware ?? null, bootId: s.bootId, ackCmd: s.ackCmd, update: s.update };
  };

  #tickAll(): void {
    let trouble: string | undefined;
    for (const id of [...this.#open.keys()]) {
      try {
        this.#tick(id);
      } catch (err) {
        this.ctx.log.error({ rollout: id, err }, 'rollout tick failed');
        trouble = `rollout ${id}: ${(err as Error).message}`;
      }
    }
    this.#health.set(trouble ? 'degraded' : 'ok', trouble);
  }

  #tick(id: number): void {
    const r = this.#open.get(id);
    if (!r) return;
    const ev: RolloutEvent = { type: 'tick', view: this.#view, ...this.#conditions(r) };
    this.#apply(id, decide(r, ev, clock()));
  }

  /** Why seats cannot be told now (hold), or why this rollout cannot go on at all (halt). */
  #conditions(r: Rollout): { hold?: string; halt?: string } {
    const catalog = this.deps.firmware.peek()?.catalog;
    if (!catalog) return { hold: 'the firmware catalog is not running' };
    const image = catalog.get(r.image.model, r.image.version);
    if (image?.state !== 'ready') return { halt: `${r.image.model} ${r.image.version} can no longer be served: ${image ? `quarantined (${image.reason})` : 'gone from the catalog'}` };
    if (!this.deps.imageUrl(r.image.model, r.image.version)) return { hold: 'the TFTP server is not serving' };
    // Airborne (or the phase unknown): no seat is told until the gate opens again; seats already flashing are followed.
    const gate = this.ctx.find('groundGate')?.check('rollout');
    // Without the evidence's figures, which change every tick: the hold reason is shown, not rewritten twice a second.
    if (gate && !gate.allowed) return { hold: gate.reason.replace(/ \([^()]*\)$/, '') };
    return {};
  }

  /** Commits the decision, then acts on it; sends feed their outcome back as events. */
  #apply(id: number, d: Decision): void {
    this.#commit(d.rollout);
    for (const e of d.effects) {
      if (e.type === 'note') this.#note(e);
      else this.#send(id, e.seats);
    }
  }

  /**
   * Durable when anything but progress figures changed; progress alone stays in
   * memory (the registry has it too), so a busy rollout does not rewrite its
   * document twice a second. stop() writes the last figures behind.
   */
  #commit(r: Rollout): void {
    const previous = this.#open.get(r.id);
    this.#metrics.observe(previous, r);
    this.#open.set(r.id, r);
    const print = fingerprint(r);
    if (this.#committed.get(r.id) !== print) {
      this.#table.save(r, true);
      this.#committed.set(r.id, print);
    }
    if (previous !== r) {
      const view = summarize(r);
      this.ctx.entities.set({ id: `rollout:${r.id}`, kind: 'rollout', name: `${view.model} ${view.version}`, state: r.state, attributes: { ...view } });
    }
    if (!ACTIVE.has(r.state) && !r.seats.some((s) => IN_FLIGHT.has(s.state))) this.#open.delete(r.id);
  }

  /** Issues the commands, then commits what came of them at once: one fsync, however many commands. */
  #send(id: number, seats: string[]): void {
    const r = this.#open.get(id);
    if (!r) return;
    const { model, version, size, sha256, signature } = r.image;
    const url = this.deps.imageUrl(model, version);
    const args = { model, version, url: url ?? '', size, sha256, signature };
    let next: Decision = { rollout: r, effects: [] };
    for (const chunk of packSeats(seats, 'firmware.update', args)) {
      let ev: RolloutEvent;
      try {
        if (!url) throw new Error('the TFTP server is not serving');
        // A seat must not start an update the rollout has already given up on: the command expires with the seat's timeout.
        const status = this.deps.commands.issue({ target: { seats: chunk }, cmd: 'firmware.update', args }, { issuer: `rollout:${id}`, ttlMs: r.options.seatTimeoutMs });
        ev = { type: 'sent', seats: chunk, seq: status.seq };
      } catch (err) {
        ev = { type: 'send-failed', seats: chunk, error: (err as Error).message };
      }
      const d = decide(next.rollout, ev, clock());
      next = { rollout: d.rollout, effects: [...next.effects, ...d.effects] };
    }
    this.#apply(id, next);
  }

  #note(e: Extract<Effect, { type: 'note' }>): void {
    this.ctx.log[e.level]({ service: 'rollouts' }, e.message);
    this.ctx.bus.publish({ type: 'system', seat: null, at: Date.now(), message: e.message });
  }
}

function clock(): Now {
  return { mono: performance.now(), wall: Date.now() };
}

/** What must be durable before anything acts on it: states, attempts and commands, not progress figures. */
function fingerprint(r: Rollout): string {
  return `${r.state}|${r.group}|${r.waived.join(',')}|${r.acceptedFailures}|${r.seats.map((s) => `${s.state}:${s.attempts}:${s.seq ?? ''}`).join(',')}`;
}
