import { silentLog, type LogSink } from '../../core/log.js';

/** A service that is not ok, for the STATUS= line. */
export interface DegradedService {
  name: string;
  /** Short, e.g. "VLC restarting". */
  reason?: string | undefined;
}

export interface StatusParts {
  seatsOnline: number;
  seatsTotal: number;
  degraded: readonly DegradedService[];
}

/**
 * The one line `systemctl status purser` shows:
 * "312/320 seats online; degraded: channels (VLC restarting), pa".
 */
export function formatStatus(p: StatusParts): string {
  const seats = `${count(p.seatsOnline)}/${count(p.seatsTotal)} seats online`;
  if (p.degraded.length === 0) return seats;
  const list = p.degraded.map((d) => (d.reason ? `${oneLine(d.name)} (${oneLine(d.reason)})` : oneLine(d.name)));
  return `${seats}; degraded: ${list.join(', ')}`;
}

function count(n: number): string {
  return Number.isFinite(n) && n >= 0 ? String(Math.floor(n)) : '?';
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export interface StatusPublisherOptions {
  notifier: { status(text: string): void };
  /** Called every everyMs; a throw is logged and that round skipped. */
  seats: () => { online: number; total: number };
  degraded: () => readonly DegradedService[];
  /** How often the callbacks are read (default 2000 ms). */
  everyMs?: number;
  log?: LogSink;
}

/**
 * Reads the callbacks every everyMs and sends STATUS= when the line changed
 * (systemd keeps the last one, so repeating it is noise).
 */
export class StatusPublisher {
  readonly #o: StatusPublisherOptions;
  #timer: NodeJS.Timeout | undefined;
  #last: string | undefined;

  constructor(opts: StatusPublisherOptions) {
    this.#o = opts;
  }

  start(): void {
    if (this.#timer) return;
    this.publish();
    this.#timer = setInterval(() => this.publish(), this.#o.everyMs ?? 2000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Sends the line now if it changed; returns it (undefined if the callbacks threw). */
  publish(): string | undefined {
    let line: string;
    try {
      const s = this.#o.seats();
      line = formatStatus({ seatsOnline: s.online, seatsTotal: s.total, degraded: this.#o.degraded() });
    } catch (err) {
      (this.#o.log ?? silentLog).warn({ err: String(err) }, 'status line not built');
      return undefined;
    }
    if (line !== this.#last) {
      this.#last = line;
      this.#o.notifier.status(line);
    }
    return line;
  }
}
