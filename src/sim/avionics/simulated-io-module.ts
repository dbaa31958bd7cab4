import type { Observable, Subscription } from 'rxjs';
import { EXCEPTIONS, ModbusRequestDecoder, READ_DISCRETE_INPUTS, encodeException, encodeInputsReply } from '../../../protocols/modbus-rtu/index.js';

/** 'silent': hears nothing, answers nothing; 'exception': answers every poll with `exceptionCode`; 'bad-crc': answers with the CRC corrupted. */
export type SimulatedIoModuleFault = 'none' | 'silent' | 'exception' | 'bad-crc';

export interface SimulatedIoModuleOptions {
  unit: number;
  /** The module's end of the line (the far end of the pty pair). */
  port: { data$: Observable<Buffer>; write(bytes: Uint8Array): Promise<void> };
  /** How many discrete inputs it has, from address 0. Default 16. */
  inputs?: number;
  /** Time it takes to answer. Default 2 ms. */
  replyDelayMs?: number;
}

/**
 * A Modbus RTU slave with discrete inputs, as a real module answers Read
 * Discrete Inputs: only its own unit, exception 2 (illegal data address) for
 * inputs it does not have, levels from a bit array a test or the demo sets.
 */
export class SimulatedIoModule {
  readonly #o: SimulatedIoModuleOptions;
  readonly #decoder = new ModbusRequestDecoder();
  readonly #levels: boolean[];
  readonly #timers = new Set<NodeJS.Timeout>();
  #sub: Subscription | null = null;
  #fault: SimulatedIoModuleFault = 'none';
  #exceptionCode = 4;
  /** Requests heard for this unit (for tests). */
  requests = 0;

  constructor(opts: SimulatedIoModuleOptions) {
    this.#o = opts;
    this.#levels = Array.from({ length: opts.inputs ?? 16 }, () => false);
  }

  /** Sets input `address` high (true) or low. */
  set(address: number, level: boolean): void {
    if (address < 0 || address >= this.#levels.length) throw new RangeError(`the module has inputs 0..${this.#levels.length - 1}`);
    this.#levels[address] = level;
  }

  /** `code` for 'exception' (default 4, server device failure). */
  injectFault(f: SimulatedIoModuleFault, code = 4): void {
    if (f === 'exception' && !EXCEPTIONS[code]) throw new RangeError(`${code} is not a Modbus exception code`);
    this.#fault = f;
    this.#exceptionCode = code;
  }

  start(): void {
    if (!this.#sub) this.#sub = this.#o.port.data$.subscribe((chunk) => this.#onBytes(chunk));
  }

  stop(): void {
    this.#sub?.unsubscribe();
    this.#sub = null;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #onBytes(chunk: Buffer): void {
    for (const r of this.#decoder.push(chunk)) {
      if (r.unit !== this.#o.unit || this.#fault === 'silent') continue;
      this.requests++;
      let reply: Buffer;
      if (this.#fault === 'exception') reply = encodeException(this.#o.unit, READ_DISCRETE_INPUTS, this.#exceptionCode);
      else if (r.start + r.quantity > this.#levels.length) reply = encodeException(this.#o.unit, READ_DISCRETE_INPUTS, 2);
      else reply = encodeInputsReply(this.#o.unit, this.#levels.slice(r.start, r.start + r.quantity));
      if (this.#fault === 'bad-crc') reply[reply.length - 1]! ^= 0x5a;
      const t = setTimeout(() => {
        this.#timers.delete(t);
        void this.#o.port.write(reply).catch(() => undefined); // a module on a dead line talks to nobody
      }, this.#o.replyDelayMs ?? 2);
      this.#timers.add(t);
    }
  }
}
