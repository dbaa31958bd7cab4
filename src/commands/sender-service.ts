import { MulticastCommandSender } from '../../protocols/seat-command/multicast-sender.js';
import type { PurserConfig } from '../contract/config.js';
import type { Logger } from '../core/log.js';
import { HealthCell, type Service } from '../core/service.js';

/** The multicast fast path as a supervised service: if it cannot start, polls still deliver. */
export class CommandSenderService implements Service {
  readonly name = 'command-multicast';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  #sender: MulticastCommandSender | undefined;

  constructor(private readonly config: PurserConfig, private readonly log: Logger) {}

  get ready(): boolean {
    return this.#sender !== undefined;
  }

  get stats() {
    return this.#sender?.stats;
  }

  async start(): Promise<void> {
    const { commands, multicast } = this.config;
    const sender = new MulticastCommandSender({ group: commands.group, port: commands.port, interface: multicast.interface, ttl: multicast.ttl, log: this.log });
    await sender.start();
    this.#sender = sender;
    this.#health.set('ok');
  }

  send(datagram: Buffer): boolean {
    if (!this.#sender) return false;
    this.#sender.send(datagram);
    return true;
  }

  async stop(): Promise<void> {
    const s = this.#sender;
    this.#sender = undefined;
    this.#health.set('down', 'stopped');
    await s?.stop();
  }
}
