import { StringDecoder } from 'node:string_decoder';
import { deviceEventFrom, MAX_LINE_CHARS, MAX_PROPS_PER_DEVICE, splitProperty, type DeviceEvent } from './block-event.js';

/**
 * Incremental parser for `udevadm monitor --udev --property` output:
 *
 *     UDEV  [1448.647038] add      /devices/virtual/block/loop0/loop0p1 (block)
 *     ACTION=add
 *     DEVPATH=/devices/virtual/block/loop0/loop0p1
 *     ...
 *     <blank line>
 *
 * Bytes arrive in arbitrary chunks (a pipe splits wherever it likes, even
 * inside a UTF-8 character). Pure: no I/O, never throws. A block that does not
 * parse is counted and skipped; the next block parses as if nothing happened.
 */

export interface MonitorParserStats {
  events: number;
  /** Blocks that were not a udev event (no header, bad property line, too long). */
  malformed: number;
  /** Blocks deliberately passed over: the preamble, KERNEL events. */
  ignored: number;
  /** udevadm printed its "UDEV - the event which udev sends out..." line: it is listening. */
  listening: boolean;
}

const HEADER = /^(UDEV|KERNEL)\s*\[(\d+(?:\.\d+)?)\]\s+(\S+)\s+(\/\S*)\s+\(([^()\s]*)\)\s*$/;
const PREAMBLE = /^(monitor will print the received events for:|UDEV - |KERNEL - )/;

export class UdevMonitorParser {
  readonly #decoder = new StringDecoder('utf8');
  readonly #onMalformed: ((reason: string) => void) | undefined;
  #partial = '';
  /** The partial line grew past MAX_LINE_CHARS: drop it up to its newline and spoil its block. */
  #overlong = false;
  #lines: string[] = [];
  #spoiled: string | undefined;
  readonly stats: MonitorParserStats = { events: 0, malformed: 0, ignored: 0, listening: false };

  constructor(opts: { onMalformed?: (reason: string) => void } = {}) {
    this.#onMalformed = opts.onMalformed;
  }

  /** Feeds a chunk; returns the events it completed, in order. */
  push(chunk: Buffer | Uint8Array | string): DeviceEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const out: DeviceEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      start = nl + 1;
      if (this.#overlong) {
        this.#overlong = false;
        this.#partial = '';
        continue;
      }
      const line = (this.#partial + piece).replace(/\r$/, '');
      this.#partial = '';
      if (line.length > MAX_LINE_CHARS) {
        this.#spoil('line too long');
        continue;
      }
      this.#line(line, out);
    }
    if (!this.#overlong) {
      this.#partial += text.slice(start);
      if (this.#partial.length > MAX_LINE_CHARS) {
        this.#partial = '';
        this.#overlong = true;
        this.#spoil('line too long');
      }
    }
    return out;
  }

  /** The stream ended: a last block without its blank line still counts. */
  end(): DeviceEvent[] {
    const out = this.push(this.#decoder.end() + '\n');
    this.#finish(out);
    return out;
  }

  #line(line: string, out: DeviceEvent[]): void {
    if (line.trim() === '') {
      this.#finish(out);
      return;
    }
    // A header in the middle of a block: the previous block lost its blank line
    // (garbage, a truncated write). Close it and start afresh so this event survives.
    if (this.#lines.length > 0 && HEADER.test(line)) this.#finish(out);
    this.#lines.push(line);
    if (this.#lines.length > MAX_PROPS_PER_DEVICE + 1) this.#spoil('too many properties');
  }

  #spoil(reason: string): void {
    this.#spoiled ??= reason;
  }

  #finish(out: DeviceEvent[]): void {
    const lines = this.#lines;
    const spoiled = this.#spoiled;
    this.#lines = [];
    this.#spoiled = undefined;
    if (lines.length === 0 && spoiled === undefined) return;
    if (spoiled !== undefined) return this.#malformed(spoiled);
    if (lines.every((l) => PREAMBLE.test(l))) {
      if (lines.some((l) => l.startsWith('UDEV - '))) this.stats.listening = true;
      this.stats.ignored++;
      return;
    }
    const m = HEADER.exec(lines[0]!);
    if (!m) return this.#malformed('block does not start with a UDEV header');
    if (m[1] === 'KERNEL') {
      this.stats.ignored++;
      return;
    }
    const props = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const kv = splitProperty(lines[i]!);
      if (!kv) return this.#malformed(`not a KEY=VALUE line (line ${i + 1} of its block)`);
      props.set(kv[0], kv[1]);
    }
    const action = props.get('ACTION') ?? m[3]!;
    const devpath = props.get('DEVPATH') ?? m[4]!;
    if (!devpath.startsWith('/')) return this.#malformed('DEVPATH is not a path');
    if (!props.has('SUBSYSTEM') && m[5]) props.set('SUBSYSTEM', m[5]);
    this.stats.events++;
    out.push(deviceEventFrom(props, action, devpath));
  }

  #malformed(reason: string): void {
    this.stats.malformed++;
    this.#onMalformed?.(reason);
  }
}

/** Parses a whole recorded monitor output at once. */
export function parseMonitorOutput(text: string | Buffer): { events: DeviceEvent[]; stats: MonitorParserStats } {
  const p = new UdevMonitorParser();
  const events = [...p.push(text), ...p.end()];
  return { events, stats: p.stats };
}
