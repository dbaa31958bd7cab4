import { systemClock, type Clock } from '../../../core/clock.js';
import { SerialPortManager, type ReadWriteSerialPort } from '../../../hardware/serial/index.js';
import type { FramingName } from '../../../protocols/arinc429/index.js';
import { SimulatedMonitor } from '../../monitors/simulated-monitor.js';
import { ArincTransmitter } from './arinc-transmitter.js';
import { FlightModel, type FlightPlan } from './flight-model.js';

export interface SimulatedFlightOptions {
  /** The adapter end of the avionics line (a pty): ARINC words are written here. */
  avionicsPath: string;
  framing?: FramingName;
  /** Flight seconds per real second (default 10). */
  speed?: number;
  plan?: Partial<FlightPlan>;
  /** The monitor end of an RS-232 line: answered as an NEC monitor with this ID. */
  monitor?: { path: string; monitorId: number };
  clock?: Clock;
}

/**
 * `purser sim --flight PTY`: an aircraft's ARINC 429 adapter and an overhead
 * monitor on pseudo-terminals. The flight runs at `speed` times real time;
 * the avionics UTC (labels 125/260) is the real wall clock, so the
 * controller's clock check has nothing to report.
 */
export class SimulatedFlight {
  readonly model: FlightModel;
  readonly #o: SimulatedFlightOptions;
  readonly #clock: Clock;
  readonly #serial: SerialPortManager;
  #tx: ArincTransmitter | null = null;
  #monitor: SimulatedMonitor | null = null;
  #port: ReadWriteSerialPort | null = null;
  #last = 0;
  writeErrors = 0;

  constructor(opts: SimulatedFlightOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#serial = new SerialPortManager({ clock: this.#clock });
    this.model = new FlightModel(opts.plan);
  }

  get speed(): number {
    return this.#o.speed ?? 10;
  }

  start(): void {
    const port = this.#serial.open({ id: 'sim.avionics', path: this.#o.avionicsPath, baudRate: 115200, mode: 'read-write', backoff: { initialMs: 100, maxMs: 2000 } });
    this.#port = port;
    this.#last = this.#clock.mono();
    this.#tx = new ArincTransmitter({
      framing: this.#o.framing ?? 'binary-sync',
      clock: this.#clock,
      state: () => this.#advance(),
      // The pty may be gone for a moment (socat restarting): words then are lost, as on a real unplugged adapter.
      write: (bytes) => void port.write(bytes).catch(() => this.writeErrors++),
    });
    this.#tx.start();
    if (this.#o.monitor) {
      const mport = this.#serial.open({ id: 'sim.monitor', path: this.#o.monitor.path, baudRate: 9600, mode: 'read-write', backoff: { initialMs: 100, maxMs: 2000 } });
      this.#monitor = new SimulatedMonitor({ monitorId: this.#o.monitor.monitorId, port: mport, power: 'on', input: 'hdmi' });
      this.#monitor.start();
    }
  }

  get words(): number {
    return this.#tx?.words ?? 0;
  }

  get monitor(): SimulatedMonitor | null {
    return this.#monitor;
  }

  #advance() {
    const now = this.#clock.mono();
    let dt = ((now - this.#last) / 1000) * this.speed;
    this.#last = now;
    while (dt > 0) {
      const step = Math.min(1, dt);
      this.model.step(step);
      dt -= step;
    }
    return this.model.state(this.#clock.wall(), this.speed);
  }

  async stop(): Promise<void> {
    this.#tx?.stop();
    this.#monitor?.stop();
    await this.#serial.stop();
    this.#port = null;
  }
}
