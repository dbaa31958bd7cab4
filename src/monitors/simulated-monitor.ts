import type { Subscription } from 'rxjs';
import { seededRandom } from '../../core/random.js';
import { NecFrameDecoder } from '../../protocols/display-control/nec-frame.js';
import {
  INPUTS,
  INPUT_OP,
  POWER_MODE,
  RESULT_OK,
  RESULT_UNSUPPORTED,
  encodeNullReply,
  encodeParameterReply,
  encodePowerControlReply,
  encodePowerStatusReply,
  parseCommand,
  type InputName,
  type NecCommand,
} from '../../protocols/display-control/nec-messages.js';
import type { MonitorPort } from './types.js';

/** 'silent': hung (hears nothing, answers nothing); 'garbage': answers line noise; 'bad-checksum': answers with a corrupted BCC. */
export type SimulatedMonitorFault = 'none' | 'silent' | 'garbage' | 'bad-checksum';

export interface SimulatedMonitorOptions {
  monitorId: number;
  /** The monitor's end of the line (the other end of the pty pair). */
  port: MonitorPort;
  power?: 'on' | 'off';
  input?: InputName | number;
  /** Time the monitor takes to answer. Default 5 ms. */
  replyDelayMs?: number;
  /** Seed for the garbage bytes. */
  seed?: number;
}

const INPUT_MAX = 0x12;

/**
 * A monitor that speaks NEC external control like the real one: answers
 * power control, power status, get/set parameter for input select (0060h),
 * result 01 for what it cannot do (input change in standby, unknown OP
 * codes), the NULL message for unknown commands, nothing to broadcasts.
 */
export class SimulatedMonitor {
  readonly #o: SimulatedMonitorOptions;
  readonly #decoder = new NecFrameDecoder();
  readonly #random: () => number;
  #sub: Subscription | null = null;
  #fault: SimulatedMonitorFault = 'none';
  #power: number;
  #input: number;
  #busy = false;
  /** Commands received, in order (for tests). */
  readonly received: NecCommand[] = [];
  /** Commands that arrived while an earlier reply was still being prepared: a controller that does not wait. */
  overlaps = 0;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(opts: SimulatedMonitorOptions) {
    this.#o = opts;
    this.#power = opts.power === 'on' ? POWER_MODE.on : POWER_MODE.off;
    this.#input = typeof opts.input === 'number' ? opts.input : INPUTS[opts.input ?? 'hdmi'];
    this.#random = seededRandom(opts.seed ?? 1);
  }

  get power(): 'on' | 'off' {
    return this.#power === POWER_MODE.on ? 'on' : 'off';
  }

  get input(): number {
    return this.#input;
  }

  /** Front-panel button: the state changes without the controller asking. */
  setPower(p: 'on' | 'off'): void {
    this.#power = p === 'on' ? POWER_MODE.on : POWER_MODE.off;
  }

  injectFault(f: SimulatedMonitorFault): void {
    this.#fault = f;
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
    if (this.#fault === 'silent') return;
    for (const e of this.#decoder.push(chunk)) {
      if (!e.ok) continue; // a real monitor ignores what it cannot frame
      const parsed = parseCommand(e.packet);
      if (!parsed.ok) continue;
      if (parsed.monitorId !== 'all' && parsed.monitorId !== this.#o.monitorId) continue;
      this.received.push(parsed.command);
      if (this.#busy) this.overlaps++;
      const answer = this.#execute(parsed.command);
      if (parsed.monitorId === 'all') continue; // broadcasts are obeyed, never answered (replies would collide)
      this.#busy = true;
      const t = setTimeout(() => {
        this.#timers.delete(t);
        this.#busy = false;
        void this.#send(answer);
      }, this.#o.replyDelayMs ?? 5);
      this.#timers.add(t);
    }
  }

  #execute(c: NecCommand): Buffer {
    const id = this.#o.monitorId;
    switch (c.kind) {
      case 'power-control':
        if (c.mode !== POWER_MODE.on && c.mode !== POWER_MODE.off) return encodePowerControlReply(id, RESULT_UNSUPPORTED, c.mode);
        this.#power = c.mode;
        return encodePowerControlReply(id, RESULT_OK, c.mode);
      case 'power-status-read':
        return encodePowerStatusReply(id, RESULT_OK, this.#power);
      case 'get-parameter':
        if (c.page === INPUT_OP.page && c.code === INPUT_OP.code && this.#power === POWER_MODE.on) {
          return encodeParameterReply(id, 'get', { result: RESULT_OK, page: c.page, code: c.code, opType: 0, max: INPUT_MAX, current: this.#input });
        }
        return encodeParameterReply(id, 'get', { result: RESULT_UNSUPPORTED, page: c.page, code: c.code, opType: 0, max: 0, current: 0 });
      case 'set-parameter': {
        const known = (Object.values(INPUTS) as number[]).includes(c.value);
        if (c.page === INPUT_OP.page && c.code === INPUT_OP.code && known && this.#power === POWER_MODE.on) {
          this.#input = c.value;
          return encodeParameterReply(id, 'set', { result: RESULT_OK, page: c.page, code: c.code, opType: 0, max: INPUT_MAX, current: this.#input });
        }
        return encodeParameterReply(id, 'set', { result: RESULT_UNSUPPORTED, page: c.page, code: c.code, opType: 0, max: 0, current: 0 });
      }
      case 'unknown':
        return encodeNullReply(id);
    }
  }

  async #send(reply: Buffer): Promise<void> {
    let out: Buffer;
    switch (this.#fault) {
      case 'silent':
        return; // went silent while the reply was being prepared
      case 'garbage':
        out = Buffer.from(Array.from({ length: 24 }, (_, i) => (i === 3 ? 0x01 : Math.floor(this.#random() * 256))));
        break;
      case 'bad-checksum':
        out = Buffer.from(reply);
        out[out.length - 2] = out[out.length - 2]! ^ 0xff;
        break;
      default:
        out = reply;
    }
    await this.#o.port.write(out).catch(() => undefined); // a monitor on a dead line just talks to nobody
  }
}
