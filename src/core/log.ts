import { RateLimitedWarn } from '../../core/rate-limited-warn.js';
import type { LogSink } from '../../core/log.js';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One JSON logger for the process (fastify uses the same pino). Tests get a
 * silent logger unless PURSER_LOG_LEVEL is set.
 */
export function createLogger(level = process.env.PURSER_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info')): Logger {
  return pino({ level, base: { app: 'purser' } });
}

/** Logs at most `perWindow` times per `windowMs` for one key; counts the rest. Bad input must not flood logs. */
export class RateLimitedLog extends RateLimitedWarn {
  /** A `{warn(obj, msg)}` for protocol code (which cannot import this), rate-limited under one key. */
  keyed(key: string): Pick<LogSink, 'warn'> {
    return { warn: (obj, msg) => this.warn(key, obj, msg) };
  }
}
