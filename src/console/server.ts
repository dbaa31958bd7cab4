import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { BehaviorSubject, type Observable } from 'rxjs';
import ssh2 from 'ssh2';
import { systemClock, type Clock } from '../../core/clock.js';
import type { LogSink } from '../../core/log.js';
import type { AuthorizedKey } from './authorized-keys.js';
import { loadOrCreateKeyPair } from './key-files.js';
import { KeyStore } from './key-store.js';
import { ConsoleSession } from './session.js';
import { DEFAULT_THROTTLE, FailureThrottle, type ThrottlePolicy } from './throttle.js';
import { DEFAULT_EVAL_TIMEOUT_MS, type AuditEntry, type AuditSink, type CommandTable, type ConsoleUser, type Role, type RoleResolver } from './types.js';
import { bindFailure } from '../core/start-failure.js';

export interface ConsoleServerOptions {
  /** 127.0.0.1 unless the owner means otherwise. */
  host: string;
  /** 0 picks a free port; see `port` after start(). */
  port: number;
  /** Holds `console_host_ed25519` (generated on first start) and `history/`. */
  stateDir: string;
  /** The authorized_keys-format file (see docs/console.md); re-read when it changes. */
  authorizedKeysFile: string;
  scope: Record<string, unknown>;
  commands: CommandTable;
  audit: AuditSink;
  log: LogSink;
  resolveRole?: RoleResolver;
  /** Concurrent shell/exec sessions, all users together (default 4). */
  maxSessions?: number;
  /** Authenticated connections with no keystroke for this long are closed (default 15 min). */
  idleTimeoutMs?: number;
  /** A connection must finish authenticating within this (default 20 s). */
  loginTimeoutMs?: number;
  /** Unauthenticated connections at once (default 8): a flood cannot starve real logins of memory. */
  maxPending?: number;
  /** Time limit for one synchronous evaluation (default DEFAULT_EVAL_TIMEOUT_MS, 250 ms). */
  evalTimeoutMs?: number;
  throttle?: ThrottlePolicy;
  clock?: Clock;
}

export interface ConsoleServerState {
  state: 'stopped' | 'listening';
  port: number;
  sessions: number;
  /** Lines of the authorized_keys file that were skipped, with why. */
  keyFileErrors: ReadonlyArray<{ line: number; message: string }>;
}

const HOST_KEY = 'console_host_ed25519';
const CUT = 2000;

/**
 * The SSH debug console (Twisted's manhole over SSH): public-key logins only,
 * each key with a role; a command shell for everyone and a REPL into the live
 * controller for technicians. ssh2 speaks the protocol (pure JavaScript); the
 * TCP listener is ours, so a connection is counted, timed and throttled
 * before a byte of SSH is parsed.
 */
export class ConsoleServer {
  readonly name = 'console';
  readonly #o: ConsoleServerOptions;
  readonly #clock: Clock;
  readonly #keys: KeyStore;
  readonly #throttle: FailureThrottle;
  readonly #state = new BehaviorSubject<ConsoleServerState>({ state: 'stopped', port: 0, sessions: 0, keyFileErrors: [] });
  #net: NetServer | undefined;
  #ssh: ssh2.Server | undefined;
  #hostPublicKey = '';
  #pending = 0;
  #sessions = 0;
  #nextId = 1;
  readonly #sockets = new Set<Socket>();

  constructor(o: ConsoleServerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    this.#keys = new KeyStore(o.authorizedKeysFile, o.log);
    this.#throttle = new FailureThrottle(o.throttle ?? DEFAULT_THROTTLE, () => this.#clock.mono());
  }

  get state$(): Observable<ConsoleServerState> {
    return this.#state.asObservable();
  }

  get port(): number {
    return this.#state.value.port;
  }

  /** `ssh-ed25519 AAAA... purser-console`, for a technician's known_hosts. */
  get hostPublicKey(): string {
    return this.#hostPublicKey;
  }

  async start(): Promise<void> {
    const host = await loadOrCreateKeyPair(this.#o.stateDir, HOST_KEY, 'purser-console');
    this.#hostPublicKey = host.publicKey;
    await this.#keys.keys();
    const ssh = (this.#ssh = new ssh2.Server({ hostKeys: [host.privateKey], ident: 'Purser-console' }));
    ssh.on('connection', (client, info) => this.#onClient(client, info.ip ?? 'unknown'));
    ssh.on('error', (e: Error) => this.#o.log.warn({ err: e.message }, 'console: ssh server error'));
    const net = (this.#net = createServer((socket) => this.#onSocket(socket)));
    await new Promise<void>((resolve, reject) => {
      // console.port in use at the first start fails the controller's start, naming the key.
      net.once('error', (e) => reject(bindFailure(e, 'console.port', this.#o.host, this.#o.port)));
      net.listen(this.#o.port, this.#o.host, () => {
        net.removeAllListeners('error');
        resolve();
      });
    });
    net.on('error', (e) => this.#o.log.warn({ err: e.message }, 'console: listener error'));
    const port = (net.address() as AddressInfo).port;
    this.#publish({ state: 'listening', port });
    this.#o.log.info({ host: this.#o.host, port, hostKey: host.publicKey }, 'console listening');
  }

  async stop(): Promise<void> {
    const net = this.#net;
    this.#net = undefined;
    for (const s of this.#sockets) s.destroy();
    if (net) await new Promise<void>((resolve) => net.close(() => resolve()));
    this.#publish({ state: 'stopped', sessions: 0 });
  }

  #publish(p: Partial<ConsoleServerState>): void {
    this.#state.next({ ...this.#state.value, keyFileErrors: this.#keys.errors, ...p });
  }

  #audit(e: Omit<AuditEntry, 'at'>): void {
    const entry: AuditEntry = { at: this.#clock.wall(), ...e };
    if (entry.command !== undefined && entry.command.length > CUT) entry.command = `${entry.command.slice(0, CUT)}…`;
    try {
      this.#o.audit(entry);
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 'console: the audit callback threw');
    }
  }

  #onSocket(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown';
    socket.on('error', () => undefined);
    const maxPending = this.#o.maxPending ?? 8;
    const locked = this.#throttle.lockedFor(address);
    if (locked > 0 || this.#pending >= maxPending || !this.#ssh) {
      this.#audit({ kind: 'connection-refused', address, detail: locked > 0 ? `address locked for ${Math.ceil(locked / 1000)} s after failed logins` : 'too many connections still logging in' });
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    // Counted as pending until the client authenticates; a silent or junk peer is cut at the login timeout.
    this.#pending++;
    let pending = true;
    const donePending = () => {
      if (pending) {
        pending = false;
        this.#pending--;
      }
    };
    socket.once('close', donePending);
    const timer = setTimeout(() => {
      if (pending) socket.destroy();
    }, this.#o.loginTimeoutMs ?? 20_000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    (socket as Socket & { purserAuthed?: () => void }).purserAuthed = donePending;
    this.#ssh.injectSocket(socket);
  }

  #onClient(client: ssh2.Connection, address: string): void {
    const id = this.#nextId++;
    const socket = (client as unknown as { _sock?: Socket })._sock;
    let user: ConsoleUser | undefined;
    client.on('error', (e: Error) => this.#o.log.debug?.({ address, err: e.message }, 'console: client error'));

    client.on('authentication', (ctx) => {
      // The user is set before accept(): ssh2 may emit 'ready' within it, and session-open must name them.
      void this.#authenticate(ctx, address, id, (u) => (user = u)).then(
        () => undefined,
        (e: Error) => {
          this.#o.log.warn({ err: e.message }, 'console: authentication failed internally');
          ctx.reject(['publickey']);
        },
      );
    });

    let idle: NodeJS.Timeout | undefined;
    const idleMs = this.#o.idleTimeoutMs ?? 15 * 60_000;
    const touch = () => {
      if (idle) idle.refresh();
    };
    client.on('ready', () => {
      (socket as Socket & { purserAuthed?: () => void } | undefined)?.purserAuthed?.();
      idle = setTimeout(() => {
        this.#audit({ kind: 'session-close', address, session: id, ...who(user), detail: `idle for ${Math.round(idleMs / 1000)} s` });
        client.end();
      }, idleMs);
      idle.unref();
      this.#audit({ kind: 'session-open', address, session: id, ...who(user) });
    });
    client.on('close', () => {
      if (idle) clearTimeout(idle);
      if (user) this.#audit({ kind: 'session-close', address, session: id, ...who(user) });
    });

    client.on('session', (accept, reject) => {
      if (!user) return reject();
      if (this.#sessions >= (this.#o.maxSessions ?? 4)) {
        this.#audit({ kind: 'refused', address, session: id, ...who(user), detail: 'too many console sessions' });
        return reject();
      }
      const u = user;
      const session = accept();
      this.#sessions++;
      this.#publish({ sessions: this.#sessions });
      let pty: { cols: number; rows: number } | null = null;
      let started = false;
      let cs: ConsoleSession | undefined;
      // Released once, whether the channel closes or the whole connection drops under it.
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.#sessions--;
        this.#publish({ sessions: this.#sessions });
        cs?.close();
      };
      session.on('close', release);
      client.once('close', release);
      const makeSession = (channel: ssh2.ServerChannel) =>
        new ConsoleSession(channel, {
          user: u,
          commands: this.#o.commands,
          scope: this.#o.scope,
          evalTimeoutMs: this.#o.evalTimeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS,
          historyDir: join(this.#o.stateDir, 'history'),
          touch,
          audit: (e) => this.#audit({ ...e, address, session: id, ...who(u) }),
        });
      session.on('pty', (acc, _rej, info) => {
        pty = { cols: info.cols, rows: info.rows };
        acc?.();
      });
      session.on('window-change', (acc, _rej, info) => {
        cs?.resize(info.cols, info.rows);
        acc?.();
      });
      session.on('env', (acc) => acc?.());
      session.on('shell', (acc) => {
        if (started) return;
        started = true;
        cs = makeSession(acc());
        void cs.shell(pty).catch((e: Error) => this.#o.log.warn({ err: e.message }, 'console: shell failed'));
      });
      session.on('exec', (acc, _rej, info) => {
        if (started) return;
        started = true;
        cs = makeSession(acc());
        void cs.exec(info.command, pty).catch((e: Error) => this.#o.log.warn({ err: e.message }, 'console: exec failed'));
      });
    });
  }

  /** Public key only: `none`, password and keyboard-interactive are answered with "publickey" and nothing else. */
  async #authenticate(ctx: ssh2.AuthContext, address: string, id: number, accepted: (u: ConsoleUser) => void): Promise<ConsoleUser | undefined> {
    const login = ctx.username;
    if (this.#throttle.lockedFor(address) > 0) {
      this.#audit({ kind: 'auth-locked', address, login, session: id, detail: 'too many failed logins from this address' });
      ctx.reject([]);
      return undefined;
    }
    if (ctx.method === 'none') {
      ctx.reject(['publickey']);
      return undefined;
    }
    const failed = (detail: string, fingerprint?: string) => {
      const locked = this.#throttle.fail(address);
      this.#audit({ kind: 'auth-failed', address, login, session: id, fingerprint, detail: locked ? `${detail}; address now locked` : detail });
      ctx.reject(locked ? [] : ['publickey']);
    };
    if (ctx.method !== 'publickey') {
      failed(`${ctx.method} authentication is not offered`);
      return undefined;
    }
    const offered = ctx.key.data;
    const entry = await this.#keys.find(offered);
    this.#publish({});
    if (!entry) {
      failed('key not in authorized_keys');
      return undefined;
    }
    if (!ctx.signature) {
      // The client asks whether this key would do before signing with it: yes.
      ctx.accept();
      return undefined;
    }
    if (!verifySignature(entry, ctx.blob, ctx.signature, ctx.hashAlgo)) {
      failed('bad signature', entry.fingerprint);
      return undefined;
    }
    const role = await this.#roleFor(entry, login, address);
    if (!role) {
      failed('the role resolver refused this key', entry.fingerprint);
      return undefined;
    }
    this.#throttle.succeed(address);
    const user: ConsoleUser = { name: entry.name, role, login, fingerprint: entry.fingerprint, address };
    this.#audit({ kind: 'auth-ok', address, session: id, ...who(user) });
    accepted(user);
    ctx.accept();
    return user;
  }

  async #roleFor(entry: AuthorizedKey, login: string, address: string): Promise<Role | null> {
    const r = this.#o.resolveRole
      ? await this.#o.resolveRole({ name: entry.name, fingerprint: entry.fingerprint, login, address, fileRole: entry.role })
      : entry.role;
    return r === 'readonly' || r === 'technician' ? r : null;
  }
}

function verifySignature(entry: AuthorizedKey, blob: Buffer | undefined, signature: Buffer, hashAlgo: string | undefined): boolean {
  if (!blob) return false;
  try {
    const key = ssh2.utils.parseKey(`${entry.type} ${entry.blob.toString('base64')}`);
    if (key instanceof Error) return false;
    const k = Array.isArray(key) ? key[0] : key;
    return k?.verify(blob, signature, hashAlgo as never) === true;
  } catch {
    return false;
  }
}

function who(u: ConsoleUser | undefined): Pick<AuditEntry, 'user' | 'login' | 'role' | 'fingerprint'> {
  return u ? { user: u.name, login: u.login, role: u.role, fingerprint: u.fingerprint } : {};
}
