import { CommandEncodeError, encodeCommand } from '../../protocols/seat-command/codec.js';
import { targetLayoutErrors } from '../../protocols/seat-command/target.js';
import type { CommandBody, CommandRequest, FieldError } from '../../protocols/seat-command/types.js';
import { formatFieldErrors, validateCommandRequest } from '../../protocols/seat-command/validate.js';
import type { ControllerContext } from '../contract/feature.js';
import { HealthCell, type Service } from '../core/service.js';
import { DomainError } from '../contract/errors.js';
import { CommandBook } from './command-book.js';
import type { CommandKeys } from './command-key.js';
import { CommandLog } from './command-log.js';
import { DeliveryTracker, type CommandStatus, type DeliveryChange } from './delivery.js';
import type { CommandSenderService } from './sender-service.js';

/** One-shot commands are pointless once stale; state-setting ones live in `desired` anyway. */
const SHORT_TTL_MS: Partial<Record<CommandRequest['cmd'], number>> = { 'seat.reboot': 30_000, 'media.pause': 60_000, 'media.resume': 60_000 };
const TICK_MS = 250;

export interface IssueOptions {
  issuer: string;
  ttlMs?: number;
}

/**
 * The crew's every action as a command: validated, committed to the log
 * (fsync'd) before the first datagram leaves, multicast three times, carried
 * in poll answers until acknowledged, and tracked seat by seat.
 */
export class CommandService implements Service {
  readonly name = 'commands';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly book: CommandBook;
  readonly tracker: DeliveryTracker;
  readonly #log: CommandLog;
  readonly #dirty = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #sub: { unsubscribe(): void } | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly keys: CommandKeys,
    private readonly sender: CommandSenderService,
  ) {
    this.book = new CommandBook(ctx.layout, ctx.config.commands.catchUpPollMs);
    this.tracker = new DeliveryTracker(ctx.config.commands.deliveryTimeoutMs);
    this.#log = new CommandLog(ctx.db);
  }

  async start(): Promise<void> {
    const now = Date.now();
    const { registry } = this.ctx;
    // Rebuild from the log: desired state from every command, delivery from the seats' last acks.
    for (const { body, issuer } of this.#log.all()) {
      const seats = this.book.add(body, now);
      if (body.expiresAt >= now) this.tracker.track(body, issuer, seats.map((s) => s.id), body.at, (s) => registry.get(s)?.ackCmd ?? 0);
    }
    this.#sub = registry.polls$.subscribe((p) => this.#apply(this.tracker.ack(p.seat, p.ackCmd, Date.now())));
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
    this.#health.set('ok');
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#sub?.unsubscribe();
    this.#health.set('down', 'stopped');
  }

  /** Validates, commits and sends a command; returns its delivery status. Throws DomainError `invalid` on bad input. */
  issue(request: unknown, opts: IssueOptions): CommandStatus {
    const req = this.#validate(request);
    const at = Date.now();
    const ttl = opts.ttlMs ?? SHORT_TTL_MS[req.cmd] ?? this.ctx.config.commands.defaultTtlMs;
    let logged: { body: CommandBody; checked: Buffer };
    try {
      logged = this.#log.append(req, opts.issuer, at, at + ttl, (body) => encodeCommand(body, this.keys.privateKey));
    } catch (e) {
      if (e instanceof CommandEncodeError) throw new DomainError(e.kind === 'oversized' ? 'too-large' : 'invalid', e.kind === 'oversized' ? 'COMMAND_TOO_LARGE' : 'INVALID_COMMAND', e.message, e.fields[0]?.field);
      throw e;
    }
    const { body, checked: datagram } = logged;
    // Committed: from here the seats will get it, by multicast now or by their next poll.
    // The datagram goes first, the PA's latency is in it; poll answers see the
    // book updated all the same, as no poll is answered before this returns.
    const sent = this.sender.send(datagram);
    const seats = this.book.add(body, at);
    this.ctx.bus.publish({ type: 'command.sent', seat: null, at, seq: body.seq, cmd: body.cmd, args: body.args, target: body.target, by: opts.issuer });
    if (!sent) this.ctx.log.warn({ seq: body.seq }, 'multicast sender down: command goes by poll only');
    this.#apply(this.tracker.track(body, opts.issuer, seats.map((s) => s.id), at, (s) => this.ctx.registry.get(s)?.ackCmd ?? 0));
    return this.status(body.seq)!;
  }

  status(seq: number): CommandStatus | undefined {
    return this.tracker.status(seq, (s) => this.ctx.registry.get(s)?.status === 'online');
  }

  recent(limit = 50): CommandStatus[] {
    return this.tracker.recent(limit).map((seq) => this.status(seq)!);
  }

  #validate(request: unknown): CommandRequest {
    const v = validateCommandRequest(request);
    const errors: FieldError[] = v.ok ? [] : v.errors;
    if (v.ok) {
      const { layout } = this.ctx;
      errors.push(...targetLayoutErrors(v.value.target, { isSeat: (s) => layout.byId.has(s), isZone: (z) => layout.zones.includes(z) }));
    }
    if (errors.length > 0 || !v.ok) throw new DomainError('invalid', 'INVALID_COMMAND', formatFieldErrors(errors), errors[0]?.field);
    return v.value;
  }

  #tick(): void {
    const now = Date.now();
    this.book.prune(now);
    this.#apply(this.tracker.tick(now));
    for (const seq of this.#dirty) {
      const s = this.status(seq);
      if (s) this.ctx.bus.publish({ type: 'command.progress', seat: null, at: now, status: s });
    }
    this.#dirty.clear();
  }

  #apply(changes: DeliveryChange[]): void {
    for (const c of changes) {
      this.#dirty.add(c.seq);
      const at = Date.now();
      if (c.kind === 'delivered') {
        this.ctx.bus.publish({ type: 'command.delivered', seat: null, at, seq: c.seq, cmd: c.body.cmd, seats: c.seats, elapsedMs: c.elapsedMs });
      } else if (c.kind === 'incomplete') {
        const offline = c.waiting.filter((s) => this.ctx.registry.get(s)?.status !== 'online');
        this.ctx.bus.publish({ type: 'command.incomplete', seat: null, at, seq: c.seq, cmd: c.body.cmd, pending: c.waiting, offline });
      }
    }
  }
}
