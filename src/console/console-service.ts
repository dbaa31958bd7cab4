import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { writeFileDurably } from '../../core/durable-fs.js';
import type { EntityStates } from '../contract/entities.js';
import { HealthCell, type Service } from '../core/service.js';
import { fingerprintOf } from './authorized-keys.js';
import { loadOrCreateKeyPair } from './key-files.js';
import { ConsoleServer, type ConsoleServerOptions } from './server.js';

export const DEMO_KEY = 'console_demo_ed25519';

export interface ConsoleServiceOptions extends ConsoleServerOptions {
  entities: EntityStates;
  /** Write a demo technician key (and a key file naming it) when the key file does not exist. */
  demoKey: boolean;
}

const exists = (p: string) => access(p, constants.F_OK).then(() => true, () => false);

/**
 * The console server as a controller service: health, the `console:ssh`
 * entity (listening, port, sessions, host key, key file problems), and the
 * demo key made on a first start with no key file.
 */
export class ConsoleService implements Service {
  readonly name = 'console';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  #server: ConsoleServer | undefined;
  #sub: Subscription | undefined;

  constructor(private readonly o: ConsoleServiceOptions) {}

  /** The running server (its port, host key); undefined before start. */
  get server(): ConsoleServer | undefined {
    return this.#server;
  }

  async start(): Promise<void> {
    const log = this.o.log;
    const demo = join(this.o.stateDir, DEMO_KEY);
    if (this.o.demoKey && !(await exists(this.o.authorizedKeysFile))) {
      const pair = await loadOrCreateKeyPair(this.o.stateDir, DEMO_KEY, 'purser-console-demo');
      await writeFileDurably(this.o.authorizedKeysFile, `# Made on first start for the demo (console.demoKey): replace with your technicians' and crews' keys.\npurser-role="technician",purser-name="demo" ${pair.publicKey}\n`, 0o600);
      log.info({ keyFile: this.o.authorizedKeysFile, privateKey: pair.path }, 'console: no authorized keys file, wrote one with a demo technician key');
    }
    const server = (this.#server = new ConsoleServer(this.o));
    await server.start();
    const hostKey = server.hostPublicKey;
    this.#sub = server.state$.subscribe((s) => {
      const skipped = s.keyFileErrors.length > 0 ? `${s.keyFileErrors.length} lines of ${this.o.authorizedKeysFile} skipped (first: line ${s.keyFileErrors[0]!.line}: ${s.keyFileErrors[0]!.message})` : null;
      this.o.entities.set({
        id: 'console:ssh',
        kind: 'console',
        name: 'SSH console',
        state: s.state,
        attributes: {
          // Listening is the console's normal state; bad key-file lines need a technician.
          attention: s.state !== 'listening' || skipped !== null,
          ...(skipped ? { detail: skipped } : {}),
          host: this.o.host,
          port: s.port,
          sessions: s.sessions,
          maxSessions: this.o.maxSessions ?? 4,
          hostKey: fingerprintOf(Buffer.from(hostKey.split(' ')[1] ?? '', 'base64')),
          keyFile: this.o.authorizedKeysFile,
          keyFileErrors: s.keyFileErrors.length,
        },
      });
      if (s.state !== 'listening') this.#health.set('down', s.state);
      else if (skipped) this.#health.set('degraded', skipped);
      else this.#health.set('ok');
    });
    if (await exists(demo)) {
      // A warning, not info: a technician key made by the controller itself must be replaced before flying.
      log.warn({ privateKey: demo }, `console: the demo technician key is in use: ssh -i ${demo} -p ${server.port} tech@${this.o.host} (try: seats --zone J, health, js)`);
    }
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#sub?.unsubscribe();
    this.#sub = undefined;
    this.#server = undefined;
    this.#health.set('down', 'stopped');
    this.o.entities.set({ id: 'console:ssh', kind: 'console', name: 'SSH console', state: 'stopped', attributes: { attention: true, host: this.o.host, port: null, sessions: 0 } });
  }
}

