import type { Subscription } from 'rxjs';
import type { LogSink } from '../../core/log.js';
import type { EntityStates } from '../contract/entities.js';
import type { GroundGate } from '../contract/ground-gate.js';
import { HealthCell, type Service } from '../core/service.js';
import type { TunnelConfig } from './config.js';
import { ReverseTunnel, type TunnelEntity } from './tunnel.js';
import type { AuditSink } from './types.js';

/**
 * The on-ground flag a technician sets by hand (POST /api/v1/tunnel) when no
 * flight-phase source (avionics) provides the ground gate. In memory only:
 * a restart forgets it, so the tunnel never comes up by itself after a
 * reboot in the air.
 */
export class ManualGroundFlag {
  #onGround = false;
  #by: string | null = null;
  #at: number | null = null;

  get value(): { onGround: boolean; by: string | null; at: number | null } {
    return { onGround: this.#onGround, by: this.#by, at: this.#at };
  }

  set(onGround: boolean, by: string): void {
    this.#onGround = onGround;
    this.#by = by;
    this.#at = Date.now();
  }
}

export const NO_GATE_REASON = 'no flight-phase source in this controller: a technician confirms the aircraft is on the ground (POST /api/v1/tunnel {"onGround": true})';

/** The tunnel's gate: the flight phase's when a groundGate is provided, else the manual flag. */
export function tunnelGate(find: () => GroundGate | undefined, manual: ManualGroundFlag): () => true | string {
  return () => {
    const gate = find();
    if (gate) {
      const d = gate.check('tunnel');
      return d.allowed ? true : d.reason;
    }
    return manual.value.onGround ? true : NO_GATE_REASON;
  };
}

export interface TunnelServiceOptions {
  config: TunnelConfig;
  stateDir: string;
  localHost: string;
  localPort: () => number;
  gate: () => true | string;
  groundGate: () => GroundGate | undefined;
  entities: EntityStates;
  log: LogSink;
  audit: AuditSink;
}

/**
 * The reverse tunnel as a controller service: the `tunnel:ground` entity,
 * health (ok when up or rightly waiting for the ground; degraded while it
 * retries), and the ground gate's changes applied at once.
 */
export class TunnelService implements Service {
  readonly name = 'tunnel';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  #tunnel: ReverseTunnel | undefined;
  #subs: Subscription[] = [];

  constructor(private readonly o: TunnelServiceOptions) {}

  get tunnel(): ReverseTunnel | undefined {
    return this.#tunnel;
  }

  /** Applies the gate now (the manual flag changed). */
  recheck(): void {
    this.#tunnel?.recheck();
  }

  async start(): Promise<void> {
    const c = this.o.config;
    const t = (this.#tunnel = new ReverseTunnel({
      host: c.host,
      port: c.port,
      username: c.user,
      stateDir: this.o.stateDir,
      hostKey: c.hostKey,
      remotePort: c.remotePort,
      localHost: this.o.localHost,
      localPort: this.o.localPort,
      allowed: this.o.gate,
      keepaliveIntervalMs: c.keepaliveIntervalMs,
      backoff: { initialMs: c.retryInitialMs, maxMs: c.retryMaxMs },
      probeIntervalMs: c.probeIntervalMs,
      log: this.o.log,
      audit: this.o.audit,
    }));
    this.#subs.push(t.state$.subscribe((e) => this.#publish(e)));
    await t.start();
    this.o.log.info({ publicKey: t.publicKey }, "tunnel: the ground host's authorized_keys needs this key");
    const gate = this.o.groundGate();
    if (gate) this.#subs.push(gate.changes$.subscribe(() => t.recheck()));
  }

  async stop(): Promise<void> {
    for (const s of this.#subs) s.unsubscribe();
    this.#subs = [];
    await this.#tunnel?.stop();
    if (this.#tunnel) this.#publish(this.#tunnel.value);
    this.#tunnel = undefined;
    this.#health.set('down', 'stopped');
  }

  #publish(e: TunnelEntity): void {
    this.o.entities.set({
      id: 'tunnel:ground',
      kind: 'tunnel',
      name: 'Remote support tunnel',
      state: e.state,
      // Waiting for the ground is normal in the air; only retrying after a failure (or stopped while enabled) needs someone.
      attributes: { ...e.attributes, attention: e.state === 'backoff' || e.state === 'disabled', publicKey: this.#tunnel?.publicKey ?? null },
    });
    if (e.state === 'up' || e.state === 'waiting-for-ground') this.#health.set('ok', e.state === 'up' ? undefined : e.attributes.lastError ?? undefined);
    else if (e.state === 'disabled') this.#health.set('down', 'stopped');
    else this.#health.set('degraded', e.attributes.lastError ?? e.state);
  }
}
