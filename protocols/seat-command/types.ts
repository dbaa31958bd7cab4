/** Who a command is for. Exactly one selector; lists are never empty. */
export type Target = { all: true } | { zones: string[] } | { seats: string[] };

export const PA_SOURCES = ['flightdeck', 'cabin', 'recorded'] as const;
export type PaSource = (typeof PA_SOURCES)[number];

/** Banner urgency, lowest first; seats style the banner by it. */
export const MESSAGE_LEVELS = ['info', 'warn', 'urgent'] as const;
export type MessageLevel = (typeof MESSAGE_LEVELS)[number];

type NoArgs = Record<string, never>;

/** The v1 vocabulary: command name to its arguments. */
export interface CommandArgs {
  'pa.begin': { source: PaSource; group: string };
  'pa.end': { source: PaSource };
  'seat.lock': { reason: string };
  'seat.unlock': { reason: string };
  'media.pause': NoArgs;
  'media.resume': NoArgs;
  'volume.cap': { max: number };
  'channel.tune': { channel: string; group: string };
  'safety.play': { channel: string; group: string };
  /** Vocabulary v1.1: let go of that channel (or safety video) if it is the one playing. */
  'channel.release': { channel: string };
  'message.show': { text: string; level: MessageLevel };
  'message.clear': NoArgs;
  'seat.reboot': NoArgs;
  'firmware.update': { model: string; version: string; url: string; size: number; sha256: string; signature: string };
  'content.sync': { catalogVersion: string; url: string };
}

export type CommandName = keyof CommandArgs;

/** `cmd` and its `args`, discriminated on `cmd`. */
export type Command = { [C in CommandName]: { cmd: C; args: CommandArgs[C] } }[CommandName];

/** What an operator asks for (the API request): the controller adds seq and times. */
export type CommandRequest = { target: Target } & Command;

/** What travels in a datagram and in poll responses. */
export type CommandBody = { seq: number; at: number; expiresAt: number } & CommandRequest;

/** One reason input was refused, naming the field by its path, e.g. `args.max`. */
export interface FieldError {
  field: string;
  message: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };
