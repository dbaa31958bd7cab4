import type { KeyObject } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { commandKeyFromBase64 } from '../../protocols/seat-command/keys.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { MulticastCommandReceiver, type ReceiverStats } from '../../protocols/seat-command/multicast-receiver.js';
import type { CommandBody } from '../../protocols/seat-command/types.js';
import { IDENTITY_PATH } from '../../protocols/seat-poll/types.js';

/** Where a simulated cabin hears commands: as seat firmware is provisioned (seat protocol section 2). */
export interface SimCommandOptions {
  group?: string;
  port?: number;
  /** The interface address to join on. Loopback unless the test built a network namespace. */
  interface?: string;
  /** The controller's command key (base64 raw); fetched from GET /seat/v1/identity when absent. */
  commandKey?: string;
}

export const DEFAULT_COMMAND_GROUP = { group: '239.255.10.1', port: 5700, interface: '127.0.0.1' } as const;

const RETRY_MS = 500;

/**
 * One multicast receiver for a whole simulated cabin: it joins the group,
 * verifies each datagram once and hands it to every seat, as 300 seat players
 * on 300 boxes would each hear it. It first fetches the command key, retrying
 * quietly while the controller is not up yet.
 */
export class SimCommandListener {
  #receiver: MulticastCommandReceiver | undefined;
  #subscription: Subscription | undefined;
  #stopped = new AbortController();
  #started: Promise<void> | undefined;

  constructor(
    private readonly controller: URL,
    private readonly options: SimCommandOptions,
    private readonly deliver: (body: CommandBody) => void,
    private readonly log: LogSink = silentLog,
  ) {}

  /** Resolves once the group is joined; rejects only if joining fails (a bad group or interface). */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  get stats(): ReceiverStats | undefined {
    return this.#receiver?.stats;
  }

  async stop(): Promise<void> {
    this.#stopped.abort();
    this.#subscription?.unsubscribe();
    await this.#receiver?.stop();
    this.#receiver = undefined;
  }

  async #start(): Promise<void> {
    const key = await this.#commandKey();
    if (!key || this.#stopped.signal.aborted) return;
    const receiver = new MulticastCommandReceiver({
      group: this.options.group ?? DEFAULT_COMMAND_GROUP.group,
      port: this.options.port ?? DEFAULT_COMMAND_GROUP.port,
      interface: this.options.interface ?? DEFAULT_COMMAND_GROUP.interface,
      publicKey: key,
      log: this.log,
    });
    this.#subscription = receiver.commands$.subscribe(this.deliver);
    await receiver.start();
    if (this.#stopped.signal.aborted) await receiver.stop();
    else this.#receiver = receiver;
  }

  async #commandKey(): Promise<KeyObject | undefined> {
    if (this.options.commandKey) return commandKeyFromBase64(this.options.commandKey);
    const url = new URL(IDENTITY_PATH, this.controller);
    while (!this.#stopped.signal.aborted) {
      try {
        const res = await fetch(url, { signal: AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(5000)]) });
        const body = (await res.json()) as { commandKey?: unknown };
        if (res.ok && typeof body.commandKey === 'string') return commandKeyFromBase64(body.commandKey);
        this.log.warn({ status: res.status }, 'simulator: no command key from the controller yet');
      } catch (err) {
        if (this.#stopped.signal.aborted) break;
        this.log.warn({ err: (err as Error).message }, 'simulator: cannot fetch the command key yet');
      }
      await new Promise((r) => setTimeout(r, RETRY_MS).unref());
    }
    return undefined;
  }
}
