/** One `purser <name>` sub-command. Each lives in its own file under commands/. */
export interface CliCommand {
  name: string;
  /** One line for `purser --help`. */
  summary: string;
  /** Full text for `purser <name> --help`. */
  help: string;
  /** Returns the process exit code. */
  run(args: string[]): Promise<number>;
}

/**
 * Thrown for bad command-line usage: printed without a stack, exit code 2.
 * `showHelp: false` when the message says all there is (a missing token): the
 * whole usage would bury it.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showHelp = true,
  ) {
    super(message);
  }
}
