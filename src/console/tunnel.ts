import { timingSafeEqual } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { BehaviorSubject, type Observable } from 'rxjs';
import ssh2 from 'ssh2';
import { backoffDelay, type BackoffPolicy } from '../../core/backoff.js';
import { systemClock, type Clock } from '../../core/clock.js';
import type { LogSink } from '../../core/log.js';
import { fingerprintOf } from './authorized-keys.js';
import { loadOrCreateKeyPair } from './key-files.js';
import type { AuditSink } from './types.js';

/** Socket errors that mean the ground host cannot be reached at all (as opposed to refusing us once reached). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ETIMEDOUT', 'EADDRNOTAVAIL']);

export type TunnelState = 'disabled' | 'waiting-for-ground' | 'connecting' | 'up' | 'backoff';

/** The tunnel as an entity (id `tunnel`, kind `tunnel`), for the state machine and the panel. */
export interface TunnelEntity {
  id: 'tunnel';
  kind: 'tunnel';
  state: TunnelState;
  attributes: {
    host: string;
    /** The port listening on the ground host (the one it picked when 0 was asked), or null while not up. */
    remotePort: number | null;
    /** Why the tunnel is not up (connection error, host key mismatch, gate closed), null when fine. */
    lastError: string | null;
    /** Wall-clock ms of the last state change. */
    since: number;
    /** How many times the tunnel came up since start. */
    connects: number;
  };
}

export interface TunnelOptions {
  /** The ground support host and its SSH port. */
  host: string;
  port: number;
  username: string;
  /** Holds `tunnel_ed25519` (generated on first start; give its .pub to the ground host). */
  stateDir: string;
  /** The ground host's public key, `ssh-ed25519 AAAA...`: pinned, anything else is refused. */
  hostKey: string;
  /** Where the ground host listens for support engineers (default 127.0.0.1 there). */
  remoteBindAddr?: string;
  /** Port on the ground host; 0 lets it pick (read it from state$). */
  remotePort: number;
  /** The console this tunnel leads to (ConsoleServer.port). */
  localHost?: string;
  localPort: number | (() => number);
  /**
   * The gate: true to allow; false or a reason string to keep (or take) the
   * tunnel down. Checked before each dial and every `gateCheckMs` while up;
   * call recheck() when the flight phase changes for an immediate answer.
   */
  allowed: () => boolean | string;
  gateCheckMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /**
   * While the ground host is unreachable (connection refused, no route,
   * connect timeout), a plain TCP connect this often (default 500 ms) notices
   * it coming back and dials at once instead of waiting out the backoff:
   * a refused connect costs the ground host nothing, a handshake does.
   */
  probeIntervalMs?: number;
  random?: () => number;
  log: LogSink;
  audit?: AuditSink;
  clock?: Clock;
}

/**
 * The reverse tunnel for remote support: the aircraft dials out to the
 * ground host (it never listens on an outside interface), asks it to listen
 * (`tcpip-forward`), and pipes every connection that arrives there to the
 * local console, where the support engineer still logs in with their own key.
 * Reconnects with full-jitter exponential backoff; closed whenever the gate
 * says so (only at the gate, on the ground).
 */
export class ReverseTunnel {
  readonly #o: TunnelOptions;
  readonly #clock: Clock;
  readonly #state: BehaviorSubject<TunnelEntity>;
  readonly #pinned: Buffer;
  #privateKey = '';
  #publicKey = '';
  #client: ssh2.Client | undefined;
  #running = false;
  #attempt = 0;
  #retry: NodeJS.Timeout | undefined;
  #gateTimer: NodeJS.Timeout | undefined;
  #hostKeyProblem: string | undefined;
  #probe: NodeJS.Timeout | undefined;
  #probing: { destroy(): void } | undefined;
  readonly #pipes = new Set<{ destroy(): void }>();

  constructor(o: TunnelOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    const parsed = ssh2.utils.parseKey(o.hostKey.trim());
    if (parsed instanceof Error) throw new Error(`tunnel: the pinned ground host key is not a public key: ${parsed.message}`);
    this.#pinned = (Array.isArray(parsed) ? parsed[0]! : parsed).getPublicSSH();
    this.#state = new BehaviorSubject<TunnelEntity>(this.#entity('disabled', null, null, 0));
  }

  get state$(): Observable<TunnelEntity> {
    return this.#state.asObservable();
  }

  get value(): TunnelEntity {
    return this.#state.value;
  }

  /** The tunnel's own public key (`ssh-ed25519 ...`), for the ground host's authorized_keys. Known after start(). */
  get publicKey(): string {
    return this.#publicKey;
  }

  async start(): Promise<void> {
    const pair = await loadOrCreateKeyPair(this.#o.stateDir, 'tunnel_ed25519', 'purser-tunnel');
    this.#privateKey = pair.privateKey;
    this.#publicKey = pair.publicKey;
    this.#running = true;
    this.#gateTimer = setInterval(() => this.recheck(), this.#o.gateCheckMs ?? 1000);
    this.#gateTimer.unref();
    this.recheck();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#gateTimer) clearInterval(this.#gateTimer);
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#stopProbe();
    this.#teardown();
    this.#set('disabled', null, null);
  }

  /** Applies the gate now: tears the tunnel down when it closed, dials when it opened. */
  recheck(): void {
    if (!this.#running) return;
    const g = this.#gate();
    const s = this.#state.value.state;
    if (g !== true) {
      if (s !== 'waiting-for-ground') {
        if (this.#retry) clearTimeout(this.#retry);
        this.#retry = undefined;
        this.#stopProbe();
        const wasUp = this.#client !== undefined;
        this.#teardown();
        if (wasUp) this.#o.log.info({ reason: g }, 'tunnel closed by its gate');
        this.#set('waiting-for-ground', null, `gate closed: ${g}`);
      }
      return;
    }
    if (s === 'waiting-for-ground' || s === 'disabled') {
      this.#attempt = 0;
      this.#dial();
    }
  }

  #gate(): true | string {
    try {
      const g = this.#o.allowed();
      if (g === true) return true;
      return typeof g === 'string' && g !== '' ? g : 'not allowed now';
    } catch (e) {
      return `the gate threw: ${(e as Error).message}`;
    }
  }

  #entity(state: TunnelState, remotePort: number | null, lastError: string | null, connects: number): TunnelEntity {
    return { id: 'tunnel', kind: 'tunnel', state, attributes: { host: `${this.#o.host}:${this.#o.port}`, remotePort, lastError, since: this.#clock.wall(), connects } };
  }

  #set(state: TunnelState, remotePort: number | null, lastError: string | null, connected = false): void {
    const cur = this.#state.value;
    const connects = cur.attributes.connects + (connected ? 1 : 0);
    if (cur.state === state && cur.attributes.remotePort === remotePort && cur.attributes.lastError === lastError && !connected) return;
    this.#state.next(this.#entity(state, remotePort, lastError, connects));
  }

  #teardown(): void {
    const c = this.#client;
    this.#client = undefined;
    for (const p of this.#pipes) p.destroy();
    this.#pipes.clear();
    if (c) {
      c.removeAllListeners('close');
      c.on('error', () => undefined);
      c.end();
      // end() waits for the peer; a dead peer must not keep the socket.
      setTimeout(() => c.destroy(), 2000).unref();
    }
  }

  #dial(): void {
    if (!this.#running) return;
    const g = this.#gate();
    if (g !== true) {
      this.#set('waiting-for-ground', null, `gate closed: ${g}`);
      return;
    }
    this.#set('connecting', null, this.#state.value.attributes.lastError);
    this.#hostKeyProblem = undefined;
    const client = (this.#client = new ssh2.Client());
    let lastError: string | null = null;
    let unreachable = false;
    let up = false;
    client.on('error', (e: Error) => {
      lastError = this.#hostKeyProblem ?? e.message;
      unreachable = !this.#hostKeyProblem && UNREACHABLE.has((e as NodeJS.ErrnoException).code ?? '');
    });
    client.on('ready', () => {
      const bind = this.#o.remoteBindAddr ?? '127.0.0.1';
      client.forwardIn(bind, this.#o.remotePort, (err, port) => {
        if (this.#client !== client) return;
        if (err) {
          lastError = `the ground host refused to listen on ${bind}:${this.#o.remotePort}: ${err.message}`;
          client.end();
          return;
        }
        up = true;
        this.#attempt = 0;
        const remotePort = port || this.#o.remotePort;
        this.#o.log.info({ host: this.#o.host, remotePort }, 'tunnel up');
        this.#set('up', remotePort, null, true);
      });
    });
    client.on('tcp connection', (info, accept, reject) => {
      if (!up) return reject();
      this.#pipe(accept(), info.srcIP, info.srcPort);
    });
    client.on('close', () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      for (const p of this.#pipes) p.destroy();
      this.#pipes.clear();
      const reason = lastError ?? (up ? 'the ground host closed the connection' : 'connection closed before the tunnel was up');
      this.#scheduleRetry(reason, unreachable);
    });
    try {
      client.connect({
        host: this.#o.host,
        port: this.#o.port,
        username: this.#o.username,
        privateKey: this.#privateKey,
        hostVerifier: (key: Buffer) => this.#verifyHost(key),
        keepaliveInterval: this.#o.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: this.#o.keepaliveCountMax ?? 3,
        readyTimeout: this.#o.readyTimeoutMs ?? 20_000,
        tryKeyboard: false,
      });
    } catch (e) {
      lastError = (e as Error).message;
      this.#client = undefined;
      this.#scheduleRetry(lastError);
    }
  }

  #verifyHost(key: Buffer): boolean {
    if (key.length === this.#pinned.length && timingSafeEqual(key, this.#pinned)) return true;
    this.#hostKeyProblem = `ground host key mismatch: ${this.#o.host}:${this.#o.port} presented ${fingerprintOf(key)}, pinned is ${fingerprintOf(this.#pinned)}`;
    this.#o.log.warn({ host: this.#o.host, presented: fingerprintOf(key), pinned: fingerprintOf(this.#pinned) }, 'tunnel: ground host key mismatch, refusing');
    return false;
  }

  #scheduleRetry(reason: string, unreachable = false): void {
    if (!this.#running) return;
    const delay = backoffDelay(this.#attempt++, this.#o.backoff ?? { initialMs: 1000, maxMs: 60_000 }, this.#o.random);
    this.#o.log.warn({ reason, retryInMs: delay, probing: unreachable }, 'tunnel down');
    this.#set('backoff', null, reason);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#stopProbe();
      this.#dial();
    }, delay);
    this.#retry.unref();
    if (unreachable) this.#startProbe();
  }

  /** A TCP connect to the ground host every probeIntervalMs while it is unreachable; the first that succeeds dials. */
  #startProbe(): void {
    this.#stopProbe();
    const every = this.#o.probeIntervalMs ?? 500;
    const tick = () => {
      this.#probe = undefined;
      if (!this.#running || this.#state.value.state !== 'backoff') return;
      const sock = netConnect({ host: this.#o.host, port: this.#o.port, timeout: Math.max(every, 1000) });
      this.#probing = sock;
      const done = (reachable: boolean) => {
        if (this.#probing !== sock) return;
        this.#probing = undefined;
        sock.destroy();
        if (!this.#running || this.#state.value.state !== 'backoff') return;
        if (!reachable) {
          this.#probe = setTimeout(tick, every);
          this.#probe.unref();
          return;
        }
        if (this.#retry) clearTimeout(this.#retry);
        this.#retry = undefined;
        this.#o.log.info({ host: this.#o.host, port: this.#o.port }, 'tunnel: ground host reachable again, dialing now');
        this.#dial();
      };
      sock.once('connect', () => done(true));
      sock.once('timeout', () => done(false));
      sock.once('error', () => done(false));
    };
    this.#probe = setTimeout(tick, every);
    this.#probe.unref();
  }

  #stopProbe(): void {
    if (this.#probe) clearTimeout(this.#probe);
    this.#probe = undefined;
    const p = this.#probing;
    this.#probing = undefined;
    p?.destroy();
  }

  #pipe(remote: ssh2.ClientChannel, srcIP: string, srcPort: number): void {
    const localPort = typeof this.#o.localPort === 'function' ? this.#o.localPort() : this.#o.localPort;
    const local = netConnect(localPort, this.#o.localHost ?? '127.0.0.1');
    const entry = {
      destroy: () => {
        local.destroy();
        remote.destroy();
      },
    };
    this.#pipes.add(entry);
    const done = () => {
      this.#pipes.delete(entry);
      entry.destroy();
    };
    local.on('error', done);
    remote.on('error', done);
    local.on('close', done);
    remote.on('close', done);
    local.pipe(remote);
    remote.pipe(local);
    try {
      this.#o.audit?.({ at: this.#clock.wall(), kind: 'tunnel-forward', address: `${srcIP}:${srcPort}`, detail: `via ${this.#o.host}` });
    } catch {
      /* the audit sink's problem, not the tunnel's */
    }
  }
}
