/**
 * The logger interface every room logs through. pino's Logger fits it, so
 * src/ passes its pino child; protocols/, hardware/ and firmware/ (which never
 * import src/) take one of these.
 */
export interface LogSink {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error?(obj: object, msg: string): void;
}

/** A sink that drops everything, for code that logs only when asked to. */
export const silentLog: LogSink = { info: () => undefined, warn: () => undefined };
