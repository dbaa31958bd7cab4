import type { EventBus } from '../contract/event-bus.js';
import type { LogSink } from '../../core/log.js';
import type { AuditEntry } from './types.js';

/** Entries a stranger can cause without a key: stored at most this many per window, the rest counted. */
const ANONYMOUS = new Set(['connection-refused', 'auth-failed', 'auth-locked']);
const ANON_PER_WINDOW = 30;
const WINDOW_MS = 10_000;

/**
 * The console's audit trail into the controller: every entry becomes a
 * stored bus event (`console.session` / `console.command`, so it is in the
 * history with the rest) and a log line. What an unauthenticated peer can
 * cause (refused connections, failed logins) is capped, so a scan of the
 * SSH port cannot fill the history; the number dropped is logged.
 */
export function auditToBus(bus: Pick<EventBus, 'publish'>, log: LogSink, now: () => number = Date.now): (e: AuditEntry) => void {
  let windowStart = 0;
  let inWindow = 0;
  let dropped = 0;
  return (e) => {
    if (ANONYMOUS.has(e.kind)) {
      const t = now();
      if (t - windowStart >= WINDOW_MS) {
        if (dropped > 0) log.warn({ dropped, windowMs: WINDOW_MS }, 'console: failed connections not stored individually (too many)');
        windowStart = t;
        inWindow = 0;
        dropped = 0;
      }
      if (++inWindow > ANON_PER_WINDOW) {
        dropped++;
        return;
      }
    }
    const common = { seat: null, at: e.at, address: e.address };
    const who = { ...(e.user !== undefined ? { user: e.user } : {}), ...(e.role !== undefined ? { role: e.role } : {}), ...(e.session !== undefined ? { session: e.session } : {}) };
    if (e.kind === 'command' || e.kind === 'eval' || e.kind === 'refused') {
      bus.publish({
        type: 'console.command',
        ...common,
        kind: e.kind,
        user: e.user ?? '?',
        role: e.role ?? '?',
        session: e.session ?? 0,
        command: e.command ?? '',
        ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
      });
      (e.kind === 'refused' ? log.warn : log.info).call(log, { ...who, address: e.address, command: e.command, exitCode: e.exitCode, detail: e.detail }, `console ${e.kind}`);
      return;
    }
    bus.publish({
      type: 'console.session',
      ...common,
      kind: e.kind,
      ...who,
      ...(e.fingerprint !== undefined ? { fingerprint: e.fingerprint } : {}),
      ...(e.detail !== undefined ? { detail: e.detail } : {}),
    });
    const level = ANONYMOUS.has(e.kind) ? log.warn : log.info;
    level.call(log, { ...who, address: e.address, fingerprint: e.fingerprint, detail: e.detail }, `console ${e.kind}`);
  };
}
