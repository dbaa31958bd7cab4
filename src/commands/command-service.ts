import { systemClock, type Clock } from '../../core/clock.js';
import { CommandEncodeError, encodeCommand } from '../../protocols/seat-command/codec.js';
import { targetLayoutErrors } from '../../protocols/seat-command/target.js';
import type { CommandBody, CommandRequest, FieldError } from '../../protocols/seat-command/types.js';
import { formatFieldErrors, validateCommandRequest } from '../../protocols/seat-command/validate.js';
import type { Actor } from '../auth/principal.js';
import type { ControllerContext } from '../contract/feature.js';
import { HealthCell, type Service } from '../core/service.js';
import { DomainError } from '../contract/errors.js';
import { CommandBook } from './command-book.js';
import type { CommandKeys } from './command-key.js';
import { CommandLog, type LoggedCommand } from './command-log.js';
import { DeliveryTracker, seatOrder, type CommandStatus, type DeliveryChange, type DeliveryState } from './delivery.js';
import { DesiredLedger, SnapshotError } from './desired-ledger.js';
import { isIdempotencyKey, requestFingerprint } from '../../core/idempotency-key.js';
import type { CommandSenderService } from './sender-service.js';

/** One-shot commands are pointless once stale; state-setting ones live in `desired` anyway. */
const SHORT_TTL_MS: Partial<Record<CommandRequest['cmd'], number>> = { 'seat.reboot': 30_000, 'media.pause': 60_000, 'media.resume': 60_000 };
const TICK_MS = 250;
/** A snapshot is taken this often while commands come in, or after this many: it bounds what start-up folds. */
const SNAPSHOT_EVERY_MS = 60_000;
const SNAPSHOT_EVERY_COMMANDS = 1000;
/** Pruning runs shortly after start, then daily, in chunks that keep the event loop free. */
const PRUNE_FIRST_MS = 5_000;
const PRUNE_EVERY_MS = 86_400_000;
const PRUNE_CHUNK = 2_000;
/** A history page with a state filter reads at most this many rows (then gives a `next` cursor). */
const HISTORY_SCAN_MAX = 5_000;

export interface IssueOptions {
  issuer: string;
  /** The person sending it and their role (a principal with a name: `actorOf(principal)`), recorded with it. */
  actor?: Actor;
  ttlMs?: number;
  /** The client's Idempotency-Key: a retry with the same key and request returns the first result. */
  idempotencyKey?: string;
}

export interface IssueResult {
  status: CommandStatus;
  /** True when the key had been used for this request already: nothing was issued this time. */
  replayed: boolean;
}

export interface HistoryRequest {
  before?: number;
  limit: number;
  cmd?: string;
  issuer?: string;
  state?: DeliveryState;
}

export interface HistoryPage {
  commands: CommandStatus[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  next: number | null;
}

export interface StartStats {
  snapshotSeq: number;
  folded: number;
  live: number;
  ms: number;
}

/**
 * The crew's every action as a command: validated, committed to the log
 * (fsync'd) before the first datagram leaves, multicast three times, carried
 * in poll answers until acknowledged, and tracked seat by seat.
 *
 * Start-up reads the desired-state snapshot and only the commands after it
 * plus the unexpired ones, so it does not grow with history; a new snapshot
 * is written once a minute (or every 1000 commands) while commands come in,
 * and commands that are covered by it and expired more than
 * `commands.retentionMs` ago are pruned. Durations (delivery deadline,
 * expiry in the book) run on the injected clock's monotonic time.
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
  #pruneTimer: NodeJS.Timeout | undefined;
  #sub: { unsubscribe(): void } | undefined;
  #snapshotSeq = 0;
  #snapshotAt = 0;
  #lastPrune = 0;
  #pruning = false;
  #running = false;
  /** Figures of the last start, for logs and the bench. */
  startStats: StartStats | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly keys: CommandKeys,
    private readonly sender: CommandSenderService,
    private readonly clock: Clock = systemClock,
  ) {
    this.book = new CommandBook(ctx.layout, ctx.config.commands.catchUpPollMs, clock);
    this.tracker = new DeliveryTracker(ctx.config.commands.deliveryTimeoutMs, clock);
    this.#log = new CommandLog(ctx.db);
  }

  get log(): CommandLog {
    return this.#log;
  }

  async start(): Promise<void> {
    const t0 = performance.now();
    const wall = this.clock.wall();
    const { registry } = this.ctx;
    const { ledger, seq: from } = this.#loadSnapshot();
    this.#log.keepSequenceAbove(from);
    // Desired state: the snapshot plus what came after it. Delivery and poll answers: what has not expired.
    let folded = 0;
    const live: LoggedCommand[] = [];
    for (const c of this.#log.since(from, wall)) {
      if (c.body.seq > from) {
        ledger.apply(c.body);
        folded++;
      }
      if (c.body.expiresAt >= wall) live.push(c);
    }
    if (ledger.seq < from) ledger.seq = from;
    this.book.restore(ledger);
    const ackOf = (s: string) => registry.get(s)?.ackCmd ?? 0;
    for (const { body, issuer, actor } of live) {
      this.book.addLive(body);
      this.tracker.track(body, issuer, this.book.targetedSeats(body).map((s) => s.id), ackOf, actor);
    }
    this.#snapshotSeq = from;
    this.#snapshotAt = this.clock.mono();
    // What was folded now need not be folded at the next start.
    if (folded > 0) this.#snapshot();
    this.#sub = registry.polls$.subscribe((p) => this.#apply(this.tracker.ack(p.seat, p.ackCmd)));
    this.#running = true;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
    this.#lastPrune = this.clock.mono() - PRUNE_EVERY_MS + PRUNE_FIRST_MS;
    this.startStats = { snapshotSeq: from, folded, live: live.length, ms: Math.round(performance.now() - t0) };
    this.ctx.log.info(this.startStats, 'command log loaded');
    this.#health.set('ok');
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#timer);
    clearTimeout(this.#pruneTimer);
    this.#sub?.unsubscribe();
    try {
      if (this.book.ledger.seq > this.#snapshotSeq) this.#snapshot();
    } catch (e) {
      this.ctx.log.warn({ err: (e as Error).message }, 'command snapshot at stop failed: the next start folds those commands again');
    }
    this.#health.set('down', 'stopped');
  }

  /** Validates, commits and sends a command; returns its delivery status. Throws DomainError `invalid` on bad input. */
  issue(request: unknown, opts: IssueOptions): CommandStatus {
    return this.issueOnce(request, opts).status;
  }

  /**
   * issue() with the client's Idempotency-Key: the key and the command are
   * committed in one transaction, so a retry after a lost answer (a power
   * cut between commit and 2xx) finds it and gets the first result back.
   * The same key with another request is DomainError IDEMPOTENCY_KEY_REUSED.
   */
  issueOnce(request: unknown, opts: IssueOptions): IssueResult {
    const key = opts.idempotencyKey;
    let fingerprint: string | undefined;
    if (key !== undefined) {
      if (!isIdempotencyKey(key)) throw new DomainError('invalid', 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1 to 128 visible ASCII characters', 'Idempotency-Key');
      fingerprint = requestFingerprint(request, { ttlMs: opts.ttlMs ?? null });
      const seen = this.#log.findIdempotencyKey(opts.issuer, key);
      if (seen) {
        if (seen.fingerprint !== fingerprint) throw new DomainError('conflict', 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request', 'Idempotency-Key');
        const status = this.status(seen.seq);
        if (status) return { status, replayed: true };
        // The key outlived its command (both are pruned together; this is only a race with pruning).
        throw new DomainError('conflict', 'IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key was used for command ${seen.seq}, no longer in the log`, 'Idempotency-Key');
      }
    }
    const req = this.#validate(request);
    const at = this.clock.wall();
    const ttl = opts.ttlMs ?? SHORT_TTL_MS[req.cmd] ?? this.ctx.config.commands.defaultTtlMs;
    let logged: { body: CommandBody; checked: Buffer };
    try {
      logged = this.#log.append(req, opts.issuer, at, at + ttl, (body) => encodeCommand(body, this.keys.privateKey), key !== undefined ? { key, fingerprint: fingerprint! } : undefined, opts.actor);
    } catch (e) {
      if (e instanceof CommandEncodeError) throw new DomainError(e.kind === 'oversized' ? 'too-large' : 'invalid', e.kind === 'oversized' ? 'COMMAND_TOO_LARGE' : 'INVALID_COMMAND', e.message, e.fields[0]?.field);
      throw e;
    }
    const { body, checked: datagram } = logged;
    // Committed: from here the seats will get it, by multicast now or by their next poll.
    // The datagram goes first, the PA's latency is in it; poll answers see the
    // book updated all the same, as no poll is answered before this returns.
    const sent = this.sender.send(datagram);
    const seats = this.book.add(body);
    this.ctx.bus.publish({ type: 'command.sent', seat: null, at, seq: body.seq, cmd: body.cmd, args: body.args, target: body.target, by: opts.issuer, ...(opts.actor ? { actor: opts.actor } : {}) });
    if (!sent) this.ctx.log.warn({ seq: body.seq }, 'multicast sender down: command goes by poll only');
    this.#apply(this.tracker.track(body, opts.issuer, seats.map((s) => s.id), (s) => this.ctx.registry.get(s)?.ackCmd ?? 0, opts.actor));
    return { status: this.status(body.seq)!, replayed: false };
  }

  /** A tracked command's live status, else what the log and the seats' acks say of it; undefined once pruned. */
  status(seq: number): CommandStatus | undefined {
    const tracked = this.tracker.status(seq, (s) => this.ctx.registry.get(s)?.status === 'online');
    if (tracked) return tracked;
    const logged = this.#log.get(seq);
    return logged && this.#fromLog(logged);
  }

  /** Tracked commands, newest first (the tracker keeps the last 500). */
  recent(limit = 50): CommandStatus[] {
    return this.tracker.recent(limit).map((seq) => this.tracker.status(seq, (s) => this.ctx.registry.get(s)?.status === 'online')!);
  }

  /** The log newest first, expired or not, back to the retention, filtered; a page may be short with a `next` when a state filter reads far. */
  history(q: HistoryRequest): HistoryPage {
    const out: CommandStatus[] = [];
    let cursor = q.before;
    let scanned = 0;
    for (;;) {
      const want = q.state ? Math.min(500, HISTORY_SCAN_MAX - scanned) : q.limit - out.length;
      const rows = this.#log.page({ limit: want, ...(cursor !== undefined ? { before: cursor } : {}), ...(q.cmd ? { cmd: q.cmd } : {}), ...(q.issuer ? { issuer: q.issuer } : {}) });
      for (const r of rows) {
        scanned++;
        cursor = r.body.seq;
        const s = this.tracker.status(r.body.seq, (x) => this.ctx.registry.get(x)?.status === 'online') ?? this.#fromLog(r);
        if (!q.state || s.state === q.state) out.push(s);
        if (out.length >= q.limit) return { commands: out, next: cursor };
      }
      if (rows.length < want) return { commands: out, next: null };
      if (scanned >= HISTORY_SCAN_MAX) return { commands: out, next: cursor ?? null };
    }
  }

  #fromLog({ body, issuer, actor }: LoggedCommand): CommandStatus {
    const { registry } = this.ctx;
    const seats = this.book.targetedSeats(body);
    const pending = seats.filter((s) => (registry.get(s.id)?.ackCmd ?? 0) < body.seq).map((s) => s.id).sort(seatOrder);
    const wall = this.clock.wall();
    // Not tracked: from before this start and expired (or beyond the tracker's last 500). Acks are the seats' own word.
    const state: DeliveryState = pending.length === 0 ? 'delivered' : body.expiresAt < wall ? 'expired' : wall - body.at > this.ctx.config.commands.deliveryTimeoutMs ? 'incomplete' : 'pending';
    return {
      seq: body.seq,
      cmd: body.cmd,
      args: body.args,
      target: body.target,
      at: body.at,
      expiresAt: body.expiresAt,
      issuer,
      ...(actor ? { actor } : {}),
      state,
      targeted: seats.length,
      acked: seats.length - pending.length,
      pending,
      offline: pending.filter((s) => registry.get(s)?.status !== 'online'),
    };
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

  #loadSnapshot(): { ledger: DesiredLedger; seq: number } {
    const stored = this.#log.loadSnapshot();
    if (!stored) return { ledger: new DesiredLedger(), seq: 0 };
    try {
      return { ledger: DesiredLedger.fromJSON(JSON.parse(stored.state)), seq: stored.seq };
    } catch (e) {
      // Written in a writeAhead commit, so only a damaged database gets here: fold what the log still has.
      this.ctx.log.error({ err: e instanceof SnapshotError ? e.message : String(e), seq: stored.seq }, 'command snapshot unreadable: desired state rebuilt from the log alone (pruned commands are missing from it)');
      return { ledger: new DesiredLedger(), seq: 0 };
    }
  }

  #snapshot(): void {
    const ledger = this.book.ledger;
    this.#log.saveSnapshot(ledger.seq, JSON.stringify(ledger.toJSON()), this.clock.wall());
    this.#snapshotSeq = ledger.seq;
    this.#snapshotAt = this.clock.mono();
  }

  #tick(): void {
    const mono = this.clock.mono();
    this.book.prune();
    this.#apply(this.tracker.tick());
    const wall = this.clock.wall();
    for (const seq of this.#dirty) {
      const s = this.tracker.status(seq, (x) => this.ctx.registry.get(x)?.status === 'online');
      if (s) this.ctx.bus.publish({ type: 'command.progress', seat: null, at: wall, status: s });
    }
    this.#dirty.clear();
    const behind = this.book.ledger.seq - this.#snapshotSeq;
    if (behind > 0 && (behind >= SNAPSHOT_EVERY_COMMANDS || mono - this.#snapshotAt >= SNAPSHOT_EVERY_MS)) {
      try {
        this.#snapshot();
      } catch (e) {
        this.#snapshotAt = mono; // retried a minute later, not every tick
        this.ctx.log.warn({ err: (e as Error).message }, 'command snapshot failed: retried later');
      }
    }
    if (!this.#pruning && mono - this.#lastPrune >= PRUNE_EVERY_MS) void this.prune();
  }

  /**
   * Deletes the commands (and their idempotency keys) that expired more than
   * `commands.retentionMs` ago and that the snapshot covers, a chunk per turn
   * of the event loop. Resolves with how many rows went.
   */
  async prune(): Promise<number> {
    if (this.#pruning) return 0;
    this.#pruning = true;
    this.#lastPrune = this.clock.mono();
    let total = 0;
    try {
      const cutoff = this.clock.wall() - this.ctx.config.commands.retentionMs;
      for (;;) {
        const n = this.#log.prune(this.#snapshotSeq, cutoff, PRUNE_CHUNK);
        total += n;
        if (n === 0 || !this.#running) break;
        await new Promise<void>((r) => (this.#pruneTimer = setTimeout(r, 0)));
      }
      if (total > 0) this.ctx.log.info({ rows: total, upTo: this.#snapshotSeq }, 'command log pruned');
    } catch (e) {
      this.ctx.log.warn({ err: (e as Error).message }, 'command log pruning failed: retried tomorrow');
    } finally {
      this.#pruning = false;
    }
    return total;
  }

  #apply(changes: DeliveryChange[]): void {
    for (const c of changes) {
      this.#dirty.add(c.seq);
      const at = this.clock.wall();
      if (c.kind === 'delivered') {
        this.ctx.bus.publish({ type: 'command.delivered', seat: null, at, seq: c.seq, cmd: c.body.cmd, seats: c.seats, elapsedMs: c.elapsedMs });
      } else if (c.kind === 'incomplete') {
        const offline = c.waiting.filter((s) => this.ctx.registry.get(s)?.status !== 'online');
        this.ctx.bus.publish({ type: 'command.incomplete', seat: null, at, seq: c.seq, cmd: c.body.cmd, pending: c.waiting, offline });
      }
    }
  }
}
