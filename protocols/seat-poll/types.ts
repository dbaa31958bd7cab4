/** Seat protocol v1 (poll v1.1), section 1: the poll. Wire types shared by the controller and simulated seats. */

export const MEDIA_STATES = ['idle', 'playing', 'paused', 'pa', 'locked', 'safety'] as const;
export type MediaState = (typeof MEDIA_STATES)[number];

export const UPDATE_STATES = ['idle', 'downloading', 'verifying', 'flashing', 'rebooting', 'failed'] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

export const FAULT_SEVERITIES = ['info', 'warn', 'error', 'critical'] as const;
export type FaultSeverity = (typeof FAULT_SEVERITIES)[number];

export interface LruInfo {
  serial: string;
  model: string;
  firmware: string;
  mac: string;
}

export interface InputReport {
  on: boolean;
  /** Time since this input last changed, so the controller can date an edge it never saw. */
  sinceMs: number;
}

export interface FaultReport {
  code: string;
  severity: FaultSeverity;
  sinceMs: number;
}

export interface MediaReport {
  state: MediaState;
  item?: string | null;
  positionMs?: number;
  volume?: number;
}

export interface UpdateReport {
  state: UpdateState;
  version?: string;
  progress?: number;
  error?: string;
}

export const CONTENT_STATES = ['idle', 'syncing', 'ready', 'failed'] as const;
export type ContentState = (typeof CONTENT_STATES)[number];

/** Poll v1.2, optional: how far the seat's content library is (docs/protocol.md, section 6). */
export interface ContentReport {
  state: ContentState;
  /** The catalog version the seat plays from (complete and verified on the seat). */
  version?: string;
  /** The catalog version it is fetching, while syncing. */
  target?: string;
  filesDone?: number;
  filesTotal?: number;
  bytesDone?: number;
  bytesTotal?: number;
  error?: string;
}

export interface PollRequest {
  seat: string;
  lru: LruInfo;
  bootId: string;
  seq: number;
  ackCmd: number;
  uptimeMs: number;
  clockAt: number;
  media: MediaReport;
  inputs: { call: InputReport } & Record<string, InputReport>;
  faults: FaultReport[];
  update: UpdateReport;
  /** Poll v1.1: the nonce of the controller's last answer (absent from v1 seats, and on a cold start). */
  nonce?: string;
  /** Poll v1.2: the seat's content library (absent from seats without content support). */
  content?: ContentReport;
}

export interface DesiredState {
  paOverride: { source: string; group: string } | null;
  locked: boolean;
  channel: { channel: string; group: string; safety?: boolean } | null;
  message: { text: string; level: string } | null;
  volumeCap: number;
}

export const DEFAULT_DESIRED: Readonly<DesiredState> = Object.freeze({
  paOverride: null,
  locked: false,
  channel: null,
  message: null,
  volumeCap: 10,
});

export interface PollResponse {
  serverAt: number;
  pollIntervalMs: number;
  /** The seat's zone in the cabin layout: seats match `{"zones": [...]}` targets with it (always sent by this controller). */
  zone?: string;
  desired: DesiredState;
  /** Command bodies (section 2) with seq > ackCmd, oldest first, at most 32. */
  commands: unknown[];
  /** Poll v1.1: the nonce the seat's next polls must carry (changes when the seat reboots). */
  nonce?: string;
}

/**
 * A refused poll's answer (409): the error, and for the freshness codes the
 * nonce to poll again with at once.
 */
export interface RefusalBody extends ErrorBody {
  nonce?: string;
}

/** 409 codes of poll v1.1: the poll was authentic but is not applied. */
export const POLL_REFUSALS = ['STALE_POLL', 'NONCE_REQUIRED', 'MOVE_PENDING', 'MOVE_REJECTED'] as const;
export type PollRefusalCode = (typeof POLL_REFUSALS)[number];

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export const POLL_PATH = '/seat/v1/poll';
export const IDENTITY_PATH = '/seat/v1/identity';
export const SIGNATURE_HEADER = 'x-seat-signature';
export const MAX_POLL_BODY_BYTES = 16 * 1024;
export const MAX_COMMANDS_PER_POLL = 32;
