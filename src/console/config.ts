import { Type, type Static } from '@sinclair/typebox';
import ssh2 from 'ssh2';
import type { ConfigProblem } from '../contract/config.js';
import { AbsolutePath, Ipv4, Port, Section } from '../config/formats.js';
import { DEFAULT_EVAL_TIMEOUT_MS } from './types.js';

/** `console:` in the config file (docs/console.md): the SSH debug console. */
export const consoleSection = Section({
  enabled: Type.Boolean({ default: true }),
  /** Loopback or the maintenance interface only: the tunnel reaches it from the ground. */
  host: Ipv4('127.0.0.1'),
  port: Port({ default: 2222 }),
  /** authorized_keys format with a `purser-role` per key; default `<stateDir>/console_authorized_keys`. */
  authorizedKeysFile: Type.Optional(AbsolutePath()),
  /**
   * When the key file does not exist at start, write a demo technician key
   * pair `<stateDir>/console_demo_ed25519` and a key file holding it (the demo
   * and a bench machine). Turn off on an aircraft.
   */
  demoKey: Type.Boolean({ default: true }),
  maxSessions: Type.Integer({ minimum: 1, maximum: 256, default: 4 }),
  idleTimeoutMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 900_000 }),
  /** The longest a console evaluation may hold the event loop (polls wait that long at worst). */
  evalTimeoutMs: Type.Integer({ minimum: 10, maximum: 10_000, default: DEFAULT_EVAL_TIMEOUT_MS }),
});

/** `tunnel:`: the reverse tunnel to the ground support host (off unless configured). */
export const tunnelSection = Section({
  enabled: Type.Boolean({ default: false }),
  host: Type.String({ format: 'hostname', default: '127.0.0.1' }),
  port: Port({ minimum: 1, default: 22 }),
  user: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', default: 'purser' }),
  /** The ground host's public key, pinned: `ssh-ed25519 AAAA...` (its /etc/ssh/ssh_host_ed25519_key.pub). */
  hostKey: Type.String({ default: '' }),
  /** Port the ground host listens on for support engineers (on its 127.0.0.1); 0 lets it pick (the entity shows it). */
  remotePort: Port({ default: 0 }),
  keepaliveIntervalMs: Type.Integer({ minimum: 1000, maximum: 300_000, default: 15_000 }),
  /** Full-jitter backoff between handshakes that failed; a ground host that is unreachable is probed instead (see docs). */
  retryInitialMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 1000 }),
  retryMaxMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000 }),
  /** While the ground host is unreachable, a plain TCP connect every this often notices it coming up. */
  probeIntervalMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 500 }),
});

export type ConsoleConfig = Static<typeof consoleSection>;
export type TunnelConfig = Static<typeof tunnelSection>;

declare module '../contract/config.js' {
  interface ConfigSections {
    console: ConsoleConfig;
    tunnel: TunnelConfig;
  }
}

const KEY_LINE = /^(ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,2}( .*)?$/;

/** What the schema cannot say: an enabled tunnel needs a pinned key that parses, and sane retry bounds. */
export function checkTunnel(value: unknown): ConfigProblem[] {
  const t = value as TunnelConfig;
  const out: ConfigProblem[] = [];
  if (t.retryMaxMs < t.retryInitialMs) out.push({ keyPath: 'tunnel.retryMaxMs', reason: `must be at least tunnel.retryInitialMs (${t.retryInitialMs})` });
  if (!t.enabled) return out;
  if (t.hostKey.trim() === '') out.push({ keyPath: 'tunnel.hostKey', reason: "is required when the tunnel is enabled: the ground host's public key, 'ssh-ed25519 AAAA...', pinned (never learned)" });
  else if (!KEY_LINE.test(t.hostKey.trim()) || ssh2.utils.parseKey(t.hostKey.trim()) instanceof Error) out.push({ keyPath: 'tunnel.hostKey', reason: "must be an OpenSSH public key line such as 'ssh-ed25519 AAAAC3Nza... ground'" });
  return out;
}
