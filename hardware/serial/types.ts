import type { Observable } from 'rxjs';
import type { BackoffPolicy } from '../../core/backoff.js';

/** 'read-only' ports (the avionics bus tap) have no write path at all, down to the file descriptor. */
export type SerialMode = 'read-only' | 'read-write';

export type PortHealth = 'ok' | 'degraded' | 'down';

interface SerialPortConfigBase {
  /** Entity id, e.g. 'serial.avionics'. */
  id: string;
  /** The configured path, usually a stable /dev/serial/by-id/... symlink; resolved again at every open. */
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 2;
  parity?: 'none' | 'even' | 'odd';
  /** No byte for this long while open => degraded. 0 or absent: no watchdog (a quiet port is fine). */
  silenceMs?: number;
  /** Reopen backoff (full jitter, core/backoff.ts). Default 500 ms .. 10 s. */
  backoff?: BackoffPolicy;
}

export interface ReadOnlyPortConfig extends SerialPortConfigBase {
  mode: 'read-only';
}

export interface ReadWritePortConfig extends SerialPortConfigBase {
  mode: 'read-write';
}

export type SerialPortConfig = ReadOnlyPortConfig | ReadWritePortConfig;

export interface SerialPortAttributes {
  path: string;
  /** The tty the path pointed at when last opened (e.g. /dev/ttyUSB1), null before the first open. */
  resolvedPath: string | null;
  baudRate: number;
  mode: SerialMode;
  /** Readable reason for the state: 'open /dev/pts/3', 'no bytes for 12.0 s', 'device lost: ...'. */
  detail: string;
  bytesIn: number;
  bytesOut: number;
  /** Frames the owner decoded from this port (reportFrame()). */
  frames: number;
  /** I/O errors plus errors the owner reported (reportError()). */
  errors: number;
  lastError: string | null;
  /** Milliseconds since the last received byte; null if none was ever received. */
  lastByteAgoMs: number | null;
  /** Successful opens after the first one. */
  reopenCount: number;
}

/** Entity-like snapshot, the shape the controller's entity registry takes. */
export interface SerialPortEntity {
  id: string;
  kind: 'serial-port';
  state: PortHealth;
  attributes: SerialPortAttributes;
}

/** What every managed port offers. Deliberately no write: see ReadWriteSerialPort. */
export interface ReadOnlySerialPort {
  readonly id: string;
  readonly mode: 'read-only';
  /** Current entity state on subscribe, then on every change (health, counters; at most once per tick for counters). */
  readonly state$: Observable<SerialPortEntity>;
  /** Received chunks as they come off the tty (arbitrary boundaries: frame them yourself). */
  readonly data$: Observable<Buffer>;
  /** A fresh snapshot (lastByteAgoMs computed now). */
  snapshot(): SerialPortEntity;
  /** The owner decoded one frame from this port's bytes. */
  reportFrame(): void;
  /** The owner found a bad frame (checksum, framing); counted in errors, kept as lastError. */
  reportError(reason: string): void;
  /** Closes the tty, stops reopening and the watchdog; state$ and data$ complete. */
  stop(): Promise<void>;
}

export interface ReadWriteSerialPort extends Omit<ReadOnlySerialPort, 'mode'> {
  readonly mode: 'read-write';
  /** Queued behind earlier writes; resolves when the OS took the bytes; rejects while the port is down. */
  write(bytes: Uint8Array): Promise<void>;
}

export type ManagedSerialPort = ReadOnlySerialPort | ReadWriteSerialPort;
