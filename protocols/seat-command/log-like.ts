/** The part of a pino logger the transports use; protocols/ does not import src/. */
export interface LogLike {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
