import { Subject } from 'rxjs';
import type { Clock } from '../../core/clock.js';
import { encodeBinaryFrame, encodeByKey, encodeWord, labelTable } from '../../protocols/arinc429/index.js';
import { AvionicsPipeline, type AvionicsPipelineOptions } from '../../src/avionics/pipeline.js';
import type { PhaseState } from '../../src/avionics/flight-phase.js';

/** A manual clock: virtual time for the pipeline. */
export class ManualClock implements Clock {
  t = 0;
  constructor(public wallBase = Date.UTC(2024, 11, 25, 12, 0, 0)) {}
  mono(): number {
    return this.t;
  }
  wall(): number {
    return this.wallBase + this.t;
  }
}

export interface Sample {
  alt?: number | null;
  gs?: number | null;
  /** Weight on wheels as the discrete word 270 bit 11 carries it; null = the word stops. */
  wow?: boolean | null;
}

const table = labelTable();

/**
 * Drives a pipeline one virtual second at a time through real encoded words
 * and binary frames (the same path a serial port feeds), recording every
 * phase it emits.
 */
export class FlightSim {
  readonly clock = new ManualClock();
  readonly bytes = new Subject<Uint8Array>();
  readonly pipeline: AvionicsPipeline;
  readonly phases: PhaseState[] = [];
  state: Required<Sample> = { alt: 100, gs: 0, wow: true };

  constructor(extra: Partial<AvionicsPipelineOptions> = {}) {
    this.pipeline = new AvionicsPipeline({
      clock: this.clock,
      framing: 'binary-sync',
      discretes: [
        { name: 'weightOnWheels', source: { kind: 'label', label: 0o270, bit: 11 }, debounceMs: 500, staleMs: 3000, flap: { maxEdges: 6, windowMs: 10_000 } },
      ],
      ...extra,
    });
    this.pipeline.attach(this.bytes);
    this.pipeline.phase$.subscribe((p) => this.phases.push(p));
  }

  /** One second: send the words of `state` (in two chunks, split mid-frame), advance time, tick. */
  second(noise = 0): void {
    const words: number[] = [];
    if (this.state.alt !== null) words.push(encodeByKey(table, 'pressureAltitudeFt', this.state.alt + noise));
    if (this.state.gs !== null) words.push(encodeByKey(table, 'groundSpeedKt', this.state.gs));
    if (this.state.wow !== null) words.push(encodeWord({ label: 0o270, sdi: 0, data: this.state.wow ? 1 : 0, ssm: 0 }));
    const buf = Buffer.concat(words.map((w) => Buffer.from(encodeBinaryFrame(w))));
    const cut = Math.floor(buf.length / 2) + 1;
    this.bytes.next(buf.subarray(0, cut));
    this.bytes.next(buf.subarray(cut));
    this.clock.t += 1000;
    this.pipeline.tick();
  }

  /** Holds `s` for `seconds`, optionally ramping from the current state to `to`. */
  hold(seconds: number, s: Sample = {}, noise: (i: number) => number = () => 0): void {
    Object.assign(this.state, s);
    for (let i = 0; i < seconds; i++) this.second(noise(i));
  }

  ramp(seconds: number, to: { alt?: number; gs?: number }, s: Sample = {}): void {
    Object.assign(this.state, s);
    const from = { alt: this.state.alt ?? 0, gs: this.state.gs ?? 0 };
    for (let i = 1; i <= seconds; i++) {
      if (to.alt !== undefined) this.state.alt = from.alt + ((to.alt - from.alt) * i) / seconds;
      if (to.gs !== undefined) this.state.gs = from.gs + ((to.gs - from.gs) * i) / seconds;
      this.second();
    }
  }

  phase(): PhaseState {
    return this.pipeline.phase();
  }

  /** The distinct phases emitted, in order. */
  sequence(): string[] {
    return this.phases.map((p) => p.phase).filter((p, i, a) => i === 0 || a[i - 1] !== p);
  }

  /** Climbs out from the gate to `alt` and settles in cruise. */
  flyToCruise(alt = 35_000): void {
    this.hold(20, { alt: 100, gs: 0, wow: true });
    this.hold(120, { gs: 15 });
    this.ramp(30, { gs: 160 });
    this.state.wow = false;
    this.ramp(Math.round((alt - 100) / (2500 / 60)), { alt, gs: 450 });
    this.hold(120, { alt });
  }
}
