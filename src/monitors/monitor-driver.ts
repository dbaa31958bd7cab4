import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import { systemClock, type Clock } from '../../core/clock.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { NecFrameDecoder } from '../../protocols/display-control/nec-frame.js';
import {
  INPUT_OP,
  POWER_MODE,
  RESULT_OK,
  encodeGetParameter,
  encodeInputSelect,
  encodePowerControl,
  encodePowerStatusRead,
  inputName,
  parseReply,
  powerModeName,
  type InputName,
  type NecReply,
} from '../../protocols/display-control/nec-messages.js';
import type { MonitorCommandName, MonitorEntity, MonitorFault, MonitorFaultCode, MonitorFaultEvent, MonitorPort, MonitorState } from './types.js';

export interface MonitorDriverOptions {
  /** Entity id, e.g. 'monitor.fwd-bulkhead'. */
  id: string;
  /** NEC monitor ID (1..100) set on the monitor. */
  monitorId: number;
  port: MonitorPort;
  /** Status poll period; 0 disables polling. Default 10 s. */
  pollIntervalMs?: number;
  /** Per attempt. Default 1000 ms (NEC monitors answer within a few hundred ms). */
  replyTimeoutMs?: number;
  /** Extra attempts after a timeout (a reply lost to a bad checksum is retried). Default 1. */
  retries?: number;
  log?: LogSink;
  clock?: Clock;
  onFault?: (e: MonitorFaultEvent) => void;
}

export type MonitorCommandResult = { ok: true; reply: NecReply } | { ok: false; fault: MonitorFault };

interface Pending {
  expect: (r: NecReply) => boolean;
  resolve: (r: NecReply | null) => void;
}

/**
 * One NEC monitor on a read-write serial port. Commands go out one at a time
 * (the protocol has no request ids: a reply belongs to the one outstanding
 * command), each waits for its reply or the timeout. Every result updates the
 * entity state and raises or clears faults.
 */
export class MonitorDriver {
  readonly #o: Required<Omit<MonitorDriverOptions, 'onFault'>> & Pick<MonitorDriverOptions, 'onFault'>;
  readonly #decoder = new NecFrameDecoder();
  readonly #state$: BehaviorSubject<MonitorEntity>;
  readonly #faults$ = new Subject<MonitorFaultEvent>();
  /** Active faults by code + command (MONITOR_NO_REPLY and MONITOR_PORT_DOWN by code alone: they are about the monitor). */
  readonly #faults = new Map<string, MonitorFault>();
  #queue: Promise<unknown> = Promise.resolve();
  #pending: Pending | null = null;
  #sub: Subscription | null = null;
  #pollTimer: NodeJS.Timeout | null = null;
  #pollInFlight: Promise<MonitorCommandResult> | null = null;
  #stopped = false;
  #power: number | null = null;
  #input: number | null = null;
  #lastReplyAt: number | null = null;
  #commands = 0;
  #replies = 0;
  #timeouts = 0;

  constructor(opts: MonitorDriverOptions) {
    this.#o = {
      pollIntervalMs: 10_000,
      replyTimeoutMs: 1000,
      retries: 1,
      log: silentLog,
      clock: systemClock,
      ...opts,
    };
    this.#state$ = new BehaviorSubject(this.snapshot());
  }

  get id(): string {
    return this.#o.id;
  }

  /** Current state on subscribe, then on every change. */
  get state$(): Observable<MonitorEntity> {
    return this.#state$.asObservable();
  }

  get faults$(): Observable<MonitorFaultEvent> {
    return this.#faults$.asObservable();
  }

  activeFaults(): MonitorFault[] {
    return [...this.#faults.values()];
  }

  /** Listens on the port and polls now, then every pollIntervalMs. */
  start(): void {
    if (this.#sub) return;
    this.#sub = this.#o.port.data$.subscribe((chunk) => this.#onBytes(chunk));
    if (this.#o.pollIntervalMs > 0) {
      void this.poll();
      this.#pollTimer = setInterval(() => void this.poll(), this.#o.pollIntervalMs);
    }
  }

  /** Stops polling and listening; a command in flight resolves as no reply. Does not stop the port. */
  stop(): void {
    this.#stopped = true;
    if (this.#pollTimer) clearInterval(this.#pollTimer);
    this.#pollTimer = null;
    this.#sub?.unsubscribe();
    this.#sub = null;
    this.#pending?.resolve(null);
    this.#state$.complete();
    this.#faults$.complete();
  }

  powerOn(): Promise<MonitorCommandResult> {
    return this.#send('power-on', encodePowerControl(this.#o.monitorId, 'on'), (r) => r.kind === 'power-control');
  }

  powerOff(): Promise<MonitorCommandResult> {
    return this.#send('power-off', encodePowerControl(this.#o.monitorId, 'off'), (r) => r.kind === 'power-control');
  }

  selectInput(input: InputName | number): Promise<MonitorCommandResult> {
    return this.#send('input-select', encodeInputSelect(this.#o.monitorId, input), (r) => isInputReply(r, 'set-parameter'));
  }

  /** Any OP code (5.1); the reply carries max and current values. */
  getParameter(page: number, code: number): Promise<MonitorCommandResult> {
    return this.#send('get-parameter', encodeGetParameter(this.#o.monitorId, page, code), (r) => r.kind === 'get-parameter' && r.page === page && r.code === code);
  }

  /**
   * Power status, then (if on) the input, as one turn of the queue. Polls do
   * not pile up behind a slow monitor: while one is queued or in flight,
   * another returns the same promise.
   */
  poll(): Promise<MonitorCommandResult> {
    if (this.#pollInFlight) return this.#pollInFlight;
    const p = this.#enqueue(async () => {
      const status = await this.#exchange('power-status', encodePowerStatusRead(this.#o.monitorId), (r) => r.kind === 'power-status');
      if (status.ok && this.#power === POWER_MODE.on) {
        await this.#exchange('input-read', encodeGetParameter(this.#o.monitorId, INPUT_OP.page, INPUT_OP.code), (r) => isInputReply(r, 'get-parameter'));
      }
      return status;
    });
    this.#pollInFlight = p;
    void p.finally(() => {
      if (this.#pollInFlight === p) this.#pollInFlight = null;
    });
    return p;
  }

  snapshot(): MonitorEntity {
    const codes = [...new Set([...this.#faults.values()].map((f) => f.code))];
    let state: MonitorState;
    if (codes.includes('MONITOR_NO_REPLY') || codes.includes('MONITOR_PORT_DOWN')) state = 'no-reply';
    else if (this.#power === null) state = 'unknown';
    else state = this.#power === 1 ? 'on' : 'standby';
    return {
      id: this.#o.id,
      kind: 'monitor',
      state,
      attributes: {
        monitorId: this.#o.monitorId,
        power: this.#power === null ? null : powerModeName(this.#power),
        input: this.#input === null ? null : inputName(this.#input),
        inputCode: this.#input,
        lastReplyAgoMs: this.#lastReplyAt === null ? null : Math.round(this.#o.clock.mono() - this.#lastReplyAt),
        commands: this.#commands,
        replies: this.#replies,
        timeouts: this.#timeouts,
        faults: codes,
      },
    };
  }

  #send(command: MonitorCommandName, bytes: Buffer, expect: (r: NecReply) => boolean): Promise<MonitorCommandResult> {
    return this.#enqueue(() => this.#exchange(command, bytes, expect));
  }

  /** One job at a time on the line: the protocol has no request ids. */
  #enqueue<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(job, job);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #exchange(command: MonitorCommandName, bytes: Buffer, expect: (r: NecReply) => boolean): Promise<MonitorCommandResult> {
    if (this.#stopped) return { ok: false, fault: this.#fault('MONITOR_NO_REPLY', command, 'driver stopped') };
    let reply: NecReply | null = null;
    for (let attempt = 0; attempt <= this.#o.retries && !reply && !this.#stopped; attempt++) {
      this.#commands++;
      try {
        await this.#o.port.write(bytes);
      } catch (err) {
        const fault = this.#raise('MONITOR_PORT_DOWN', command, `cannot write: ${err instanceof Error ? err.message : String(err)}`);
        return { ok: false, fault };
      }
      this.#clear('MONITOR_PORT_DOWN');
      reply = await this.#awaitReply(expect);
      if (!reply) this.#timeouts++;
    }
    if (!reply) return { ok: false, fault: this.#raise('MONITOR_NO_REPLY', command, `no reply within ${this.#o.replyTimeoutMs} ms (${this.#o.retries + 1} attempts)`) };
    return this.#apply(command, reply);
  }

  #awaitReply(expect: (r: NecReply) => boolean): Promise<NecReply | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), this.#o.replyTimeoutMs);
      const done = (r: NecReply | null) => {
        clearTimeout(timer);
        this.#pending = null;
        resolve(r);
      };
      this.#pending = { expect, resolve: done };
    });
  }

  #onBytes(chunk: Buffer): void {
    for (const e of this.#decoder.push(chunk)) {
      if (!e.ok) {
        this.#o.port.reportError?.(`NEC ${e.error}: ${e.detail}`);
        continue;
      }
      this.#o.port.reportFrame?.();
      const parsed = parseReply(e.packet);
      if (!parsed.ok || parsed.reply.monitorId !== this.#o.monitorId) continue; // another monitor's, or a command echoed on a shared line
      const p = this.#pending;
      if (p && (parsed.reply.kind === 'null' || p.expect(parsed.reply))) p.resolve(parsed.reply);
    }
  }

  #apply(command: MonitorCommandName, reply: NecReply): MonitorCommandResult {
    this.#replies++;
    this.#lastReplyAt = this.#o.clock.mono();
    this.#clear('MONITOR_NO_REPLY');
    if (reply.kind === 'null') return { ok: false, fault: this.#raise('MONITOR_BUSY', command, 'the monitor answered the NULL message (busy or no answer)') };
    const result = 'result' in reply ? reply.result : RESULT_OK;
    if (result !== RESULT_OK) {
      return { ok: false, fault: this.#raise('MONITOR_UNSUPPORTED', command, `result code ${result.toString(16).padStart(2, '0')}`, result) };
    }
    if (reply.kind === 'power-control' || reply.kind === 'power-status') this.#power = reply.mode;
    if ((reply.kind === 'get-parameter' || reply.kind === 'set-parameter') && reply.page === INPUT_OP.page && reply.code === INPUT_OP.code) {
      this.#input = reply.current;
    }
    this.#clear('MONITOR_UNSUPPORTED', command);
    this.#clear('MONITOR_BUSY', command);
    this.#publish();
    return { ok: true, reply };
  }

  #fault(code: MonitorFaultCode, command: MonitorCommandName, detail: string, resultCode?: number): MonitorFault {
    return { code, monitor: this.#o.id, monitorId: this.#o.monitorId, command, detail, ...(resultCode === undefined ? {} : { resultCode }) };
  }

  #key(code: MonitorFaultCode, command?: MonitorCommandName): string {
    return code === 'MONITOR_NO_REPLY' || code === 'MONITOR_PORT_DOWN' ? code : `${code}:${command}`;
  }

  #raise(code: MonitorFaultCode, command: MonitorCommandName, detail: string, resultCode?: number): MonitorFault {
    const fault = this.#fault(code, command, detail, resultCode);
    const key = this.#key(code, command);
    const known = this.#faults.has(key);
    this.#faults.set(key, fault);
    if (!known) {
      this.#o.log.warn({ monitor: this.#o.id, code, command, detail }, 'monitor fault');
      this.#emit({ type: 'raised', fault });
    }
    this.#publish();
    return fault;
  }

  #clear(code: MonitorFaultCode, command?: MonitorCommandName): void {
    const key = this.#key(code, command);
    const fault = this.#faults.get(key);
    if (!fault) return;
    this.#faults.delete(key);
    this.#o.log.info({ monitor: this.#o.id, code }, 'monitor fault cleared');
    this.#emit({ type: 'cleared', fault });
    this.#publish();
  }

  #emit(e: MonitorFaultEvent): void {
    this.#o.onFault?.(e);
    if (!this.#faults$.isStopped) this.#faults$.next(e);
  }

  #publish(): void {
    if (this.#state$.isStopped) return;
    const next = this.snapshot();
    const key = (m: MonitorEntity) => JSON.stringify({ ...m, attributes: { ...m.attributes, lastReplyAgoMs: null, commands: 0, replies: 0 } });
    if (key(next) !== key(this.#state$.value)) this.#state$.next(next);
  }
}

function isInputReply(r: NecReply, kind: 'get-parameter' | 'set-parameter'): boolean {
  return r.kind === kind && r.page === INPUT_OP.page && r.code === INPUT_OP.code;
}
