/** The JSON the controller's API and live stream send, as the page reads it. */
import type { Alert, AlertChange } from '../../alerts/alert.js';
import type { PendingMove } from '../../cabin/moves.js';
import type { Entity, EntityChange } from '../../contract/entities.js';

// The server's own types, imported (type-only: nothing of the server reaches the bundle), never copied.
export type { Alert, AlertChange, Entity, EntityChange, PendingMove };

export type Role = 'crew' | 'technician';
export type Media = 'idle' | 'playing' | 'paused' | 'pa' | 'locked' | 'safety';

export interface LayoutRow {
  row: number;
  zone: string;
  /** Letters left to right; '' marks an aisle. */
  places: string[];
}

export interface Layout {
  zones: string[];
  /** People's names for zones (J: Business); a zone without one shows its code. */
  zoneNames?: Record<string, string>;
  columns: string[];
  rows: LayoutRow[];
  seats: number;
  pollIntervalMs: number;
}

/** GET /api/v1/seats and `event: seat`. */
export interface SeatSummary {
  seat: string;
  zone: string;
  status: 'online' | 'offline';
  lastPollAt: number | null;
  serial: string | null;
  model: string | null;
  firmware: string | null;
  media: Media | null;
  call: boolean;
  callSince: number | null;
  faults: string[];
  update: string | null;
  updateProgress: number | null;
  skewMs: number | null;
}

/** GET /api/v1/seats/:seat. */
export interface SeatDetail {
  seat: {
    seat: string;
    lastPollAt: number | null;
    lru: { serial: string; model: string; firmware: string; mac: string } | null;
    uptimeMs: number;
    media: { state: Media; item?: string | null; volume?: number } | null;
    faults: { code: string; severity: string; since: number; source: string; detail?: string }[];
    update: { state: string; version?: string; progress?: number; error?: string } | null;
  };
  events: { id: number; at: number; type: string; data: Record<string, unknown> }[];
  lruHistory: { serial: string; action: string; at: number }[];
}

export type Target = { all: true } | { zones: string[] } | { seats: string[] };

/** GET /api/v1/commands and `event: delivery`. */
export interface CommandStatus {
  seq: number;
  cmd: string;
  args: Record<string, unknown>;
  target: Target;
  at: number;
  expiresAt: number;
  issuer: string;
  /** The person who sent it, when their own PIN did; older commands and shared PINs have none. */
  actor?: { name: string; role: string };
  state: 'pending' | 'delivered' | 'incomplete' | 'expired';
  targeted: number;
  acked: number;
  pending: string[];
  offline: string[];
  deliveredAt?: number;
}

/** `event: cabin`: the fields the page uses of any CabinEvent. */
export interface CabinEvent {
  type: string;
  seat: string | null;
  at: number;
  source?: string;
  seq?: number;
  [k: string]: unknown;
}

export interface SessionView {
  role: Role;
  /** The person whose PIN opened it (panel.people); absent for a shared role PIN. */
  name?: string;
  expiresInMs: number;
}

export interface SessionInfo {
  session: SessionView | null;
  roles: Record<Role, boolean>;
}

export interface PaActive {
  source: string;
  since: number;
}

/** "Zone J · Business", or "Zone J" when the layout gives no name. */
export function zoneLabel(layout: Pick<Layout, 'zoneNames'> | null, zone: string): string {
  const name = layout?.zoneNames && Object.hasOwn(layout.zoneNames, zone) ? layout.zoneNames[zone] : undefined;
  return name ? `Zone ${zone} · ${name}` : `Zone ${zone}`;
}
