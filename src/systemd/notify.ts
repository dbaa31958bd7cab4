import { RateLimitedWarn } from '../../core/rate-limited-warn.js';
import { silentLog, type LogSink } from '../../core/log.js';
import { connectAbstract, sendOnce, type DgramSocket } from './unix-dgram.js';

export interface NotifierOptions {
  /** NOTIFY_SOCKET's value (see readSystemdEnv); undefined makes every call a no-op. */
  socket: string | undefined;
  log?: LogSink;
}

/** STATUS= is one line of text; systemd shows it in `systemctl status`. */
const MAX_STATUS = 512;

/**
 * sd_notify(3) over NOTIFY_SOCKET. Every method returns at once and never
 * throws: a notification that cannot be sent is logged (rate-limited) and
 * dropped, because a missing notification must not take the controller down
 * (a missing READY=1 or WATCHDOG=1 is systemd's business to act on).
 * Datagrams go out in call order.
 */
export class Notifier {
  readonly enabled: boolean;
  readonly #socket: string | undefined;
  readonly #warn: RateLimitedWarn;
  #chain: Promise<void> = Promise.resolve();
  #abstract: Promise<DgramSocket | undefined> | undefined;
  #closed = false;
  #sent = 0;
  #failed = 0;

  constructor(opts: NotifierOptions) {
    this.#socket = opts.socket;
    this.enabled = opts.socket !== undefined && opts.socket.length > 1;
    this.#warn = new RateLimitedWarn(opts.log ?? silentLog, 3, 60_000);
  }

  /** READY=1: start-up finished (send it once the first seat polls are answered). */
  ready(status?: string): void {
    this.notify(status === undefined ? { READY: '1' } : { READY: '1', STATUS: status });
  }

  /** STATUS=: one line for `systemctl status` (newlines become spaces). */
  status(text: string): void {
    this.notify({ STATUS: text });
  }

  /** WATCHDOG=1: alive. Use Watchdog, which sends it only when it should. */
  watchdog(): void {
    this.notify({ WATCHDOG: '1' });
  }

  /** STOPPING=1: shutting down on purpose. */
  stopping(status?: string): void {
    this.notify(status === undefined ? { STOPPING: '1' } : { STOPPING: '1', STATUS: status });
  }

  /** RELOADING=1 (with MONOTONIC_USEC, which systemd 253+ wants); send READY=1 when done. */
  reloading(): void {
    this.notify({ RELOADING: '1', MONOTONIC_USEC: String(process.hrtime.bigint() / 1000n) });
  }

  /** Any sd_notify assignments, one datagram. Values are made single-line. */
  notify(fields: Record<string, string>): void {
    if (!this.enabled || this.#closed) return;
    const payload = Buffer.from(formatNotify(fields));
    this.#chain = this.#chain.then(() => this.#send(payload)).then(
      () => void this.#sent++,
      (err: unknown) => {
        this.#failed++;
        this.#warn.warn('sd_notify', { socket: this.#socket, err: String(err) }, 'systemd notification not sent');
      },
    );
  }

  /** Resolves when every notification so far has been sent (or dropped). */
  flush(): Promise<void> {
    return this.#chain;
  }

  /** Counts, for health and tests. */
  stats(): { sent: number; failed: number } {
    return { sent: this.#sent, failed: this.#failed };
  }

  /** Releases the abstract socket (path sockets hold nothing between sends). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#chain;
    const sock = await this.#abstract?.catch(() => undefined);
    this.#abstract = undefined;
    try {
      sock?.close();
    } catch {
      // already closed
    }
  }

  async #send(payload: Buffer): Promise<void> {
    const socket = this.#socket as string;
    if (!socket.startsWith('@')) return sendOnce(socket, payload);
    // Abstract: one connected socket for the process's life (see connectAbstract).
    this.#abstract ??= connectAbstract(socket.slice(1));
    let sock: DgramSocket | undefined;
    try {
      sock = await this.#abstract;
    } catch (err) {
      this.#abstract = undefined; // try again next time
      throw err;
    }
    if (!sock) throw new Error('notifier closed');
    await new Promise<void>((resolve, reject) => {
      try {
        sock.send(payload, (err?: Error) => (err ? reject(err) : resolve()));
      } catch (err) {
        reject(err);
      }
    });
  }
}

/** `KEY=value` lines; a value's newlines would start a new assignment, so they become spaces. */
export function formatNotify(fields: Record<string, string>): string {
  let out = '';
  for (const [key, raw] of Object.entries(fields)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) continue;
    let value = raw.replace(/[\r\n]+/g, ' ');
    if (key === 'STATUS' && value.length > MAX_STATUS) value = value.slice(0, MAX_STATUS - 1) + '…';
    out += `${key}=${value}\n`;
  }
  return out;
}
