import { merge, type Observable } from 'rxjs';
import { startSerialPort, type SerialPortDeps } from './supervised-port.js';
import type { ManagedSerialPort, ReadOnlyPortConfig, ReadOnlySerialPort, ReadWritePortConfig, ReadWriteSerialPort, SerialPortConfig, SerialPortEntity } from './types.js';

/** All configured serial ports of the head-end, by id; stop() closes every one. */
export class SerialPortManager {
  readonly #ports = new Map<string, ManagedSerialPort>();

  constructor(private readonly deps: SerialPortDeps = {}) {}

  open(cfg: ReadOnlyPortConfig): ReadOnlySerialPort;
  open(cfg: ReadWritePortConfig): ReadWriteSerialPort;
  open(cfg: SerialPortConfig): ManagedSerialPort;
  open(cfg: SerialPortConfig): ManagedSerialPort {
    if (this.#ports.has(cfg.id)) throw new Error(`serial port ${cfg.id} is already open`);
    const port = startSerialPort(cfg, this.deps);
    this.#ports.set(cfg.id, port);
    return port;
  }

  get(id: string): ManagedSerialPort | undefined {
    return this.#ports.get(id);
  }

  list(): ManagedSerialPort[] {
    return [...this.#ports.values()];
  }

  /** Every port's state changes, merged (each port's current state first). */
  entities$(): Observable<SerialPortEntity> {
    return merge(...this.list().map((p) => p.state$));
  }

  async stop(): Promise<void> {
    const ports = this.list();
    this.#ports.clear();
    await Promise.all(ports.map((p) => p.stop()));
  }
}
