import type { Role } from './authorized-keys.js';

export type { Role };

/**
 * How long one console evaluation may hold the event loop by default. Short:
 * polls wait behind a spin that long, so a technician's runaway loop must not
 * freeze the cabin for seconds (250 ms is a quarter of a seat's poll interval).
 */
export const DEFAULT_EVAL_TIMEOUT_MS = 250;

/** Who is at the console, after public-key authentication. */
export interface ConsoleUser {
  /** The key's name from authorized_keys (`purser-name`, else its comment). */
  name: string;
  role: Role;
  /** The user name the client logged in as (`tech` in `ssh tech@host`); informational only. */
  login: string;
  fingerprint: string;
  address: string;
}

/** What a shell command gets to talk to the user. */
export interface CommandIo {
  /** Writes to the user's stdout; `\n` is turned into `\r\n` on a terminal. */
  out(text: string): void;
  /** Writes to stderr (on an exec channel, ssh's stderr; in the shell, the screen). */
  err(text: string): void;
  /** Aborted when the user presses Ctrl-C or the session ends: `events --follow` stops on it. */
  readonly signal: AbortSignal;
  readonly user: ConsoleUser;
  /** Terminal width, 80 without a pty. */
  readonly columns: number;
  /** True in the interactive shell with a pty; false on an exec channel without one. */
  readonly interactive: boolean;
}

export interface ConsoleCommand {
  /** One line for `help`; further lines are shown by `help NAME`. */
  help: string;
  /** Roles that may run it; both when absent. */
  roles?: readonly Role[];
  /** Returns the exit status (0 = success). A throw or rejection prints the error and exits 1. */
  run(args: string[], io: CommandIo): number | Promise<number>;
}

export type CommandTable = Readonly<Record<string, ConsoleCommand>>;

export type AuditKind =
  | 'connection-refused'
  | 'auth-failed'
  | 'auth-locked'
  | 'auth-ok'
  | 'session-open'
  | 'session-close'
  | 'command'
  | 'eval'
  | 'refused'
  | 'tunnel-forward';

/** One line of the audit trail; the owner stores it (the console keeps nothing). */
export interface AuditEntry {
  /** Wall-clock epoch ms. */
  at: number;
  kind: AuditKind;
  address: string;
  user?: string;
  login?: string;
  role?: Role;
  fingerprint?: string;
  /** Connection-unique number, to group one session's entries. */
  session?: number;
  /** The command line or JavaScript evaluated (cut to 2000 characters). */
  command?: string;
  exitCode?: number;
  detail?: string;
}

export type AuditSink = (entry: AuditEntry) => void;

/** Resolves the role for an authenticated key; the default trusts the file's `purser-role`. null refuses the login. */
export type RoleResolver = (who: {
  name: string;
  fingerprint: string;
  login: string;
  address: string;
  fileRole: Role;
}) => Role | null | undefined | Promise<Role | null | undefined>;
