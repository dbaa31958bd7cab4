import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../../contract/feature.js';
import type { MediaState, UpdateState } from '../../../protocols/seat-poll/types.js';
import type { FaultSnapshot, SeatSnapshot, SeatStatus } from '../../cabin/seat-record.js';
import type { Layout, RowDef } from '../../config/layout.js';
import type { LruHistoryRow, StoredEvent } from '../../store/cabin-store.js';
import { ApiError } from '../errors.js';

// The answers' types are named so the panel imports them (type-only) instead of copying them.

/** One seat in GET /api/v1/seats and in the live stream's `event: seat`. */
export interface SeatSummary {
  seat: string;
  zone: string;
  status: SeatStatus;
  lastPollAt: number | null;
  serial: string | null;
  model: string | null;
  firmware: string | null;
  media: MediaState | null;
  call: boolean;
  callSince: number | null;
  faults: string[];
  /** The same faults with their severity and since when (wall ms), for tables that show more than codes. */
  faultDetails: Pick<FaultSnapshot, 'code' | 'severity' | 'since'>[];
  update: UpdateState | null;
  updateProgress: number | null;
  skewMs: number | null;
}

/** GET /api/v1/seats/:seat. */
export interface SeatDetail {
  seat: SeatSnapshot;
  events: StoredEvent[];
  lruHistory: LruHistoryRow[];
}

/** GET /api/v1/layout: the seat map's shape, without the per-seat table. */
export interface LayoutView {
  zones: string[];
  zoneNames: Layout['zoneNames'];
  columns: string[];
  rows: RowDef[];
  /** How many seats the cabin has. */
  seats: number;
  pollIntervalMs: number;
}

interface SeatsQuery {
  zone?: string;
  status?: 'online' | 'offline';
  fault?: boolean;
  call?: boolean;
}

/** A short answer to "what is wrong with this seat", for lists and tables. */
export function summarize(s: SeatSnapshot): SeatSummary {
  return {
    seat: s.seat,
    zone: s.zone,
    status: s.status,
    lastPollAt: s.lastPollAt,
    serial: s.lru?.serial ?? null,
    model: s.lru?.model ?? null,
    firmware: s.lru?.firmware ?? null,
    media: s.media?.state ?? null,
    call: s.inputs.call?.on ?? false,
    callSince: s.inputs.call?.on ? s.inputs.call.since : null,
    faults: s.faults.map((f) => f.code),
    faultDetails: s.faults.map((f) => ({ code: f.code, severity: f.severity, since: f.since })),
    update: s.update?.state ?? null,
    updateProgress: s.update?.progress ?? null,
    skewMs: s.skewMs,
  };
}

/** GET /api/v1/seats: the cabin's counts and the seats the query matched. */
export interface SeatList {
  total: number;
  online: number;
  matched: number;
  seats: SeatSummary[];
}

/** GET /api/v1/seats, /api/v1/seats/:seat, /api/v1/layout, /api/v1/inventory. */
export async function seatsApiRoutes(app: FastifyInstance, ctx: ControllerContext): Promise<void> {
  const { registry, layout, store } = ctx;

  app.get<{ Querystring: SeatsQuery }>(
    '/api/v1/seats',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            zone: { type: 'string', maxLength: 8 },
            status: { enum: ['online', 'offline'] },
            fault: { type: 'boolean' },
            call: { type: 'boolean' },
          },
        },
      },
    },
    async (req): Promise<SeatList> => {
      const q = req.query;
      if (q.zone && !layout.zones.includes(q.zone)) throw new ApiError(400, 'UNKNOWN_ZONE', `zone ${q.zone} is not in the layout (zones: ${layout.zones.join(', ')})`, 'zone');
      const all = registry.all();
      const seats = all.filter(
        (s) =>
          (!q.zone || s.zone === q.zone) &&
          (!q.status || s.status === q.status) &&
          (q.fault === undefined || s.faults.length > 0 === q.fault) &&
          (q.call === undefined || (s.inputs.call?.on ?? false) === q.call),
      );
      return {
        total: all.length,
        online: all.filter((s) => s.status === 'online').length,
        matched: seats.length,
        seats: seats.map(summarize),
      };
    },
  );

  app.get<{ Params: { seat: string } }>('/api/v1/seats/:seat', async (req): Promise<SeatDetail> => {
    const id = req.params.seat.toUpperCase();
    const snap = registry.get(id);
    if (!snap) throw new ApiError(404, 'UNKNOWN_SEAT', `seat ${req.params.seat} is not in the cabin layout`, 'seat');
    return { seat: snap, events: store.recentEvents({ seat: id, limit: 50 }), lruHistory: store.lruHistory({ seat: id }) };
  });

  app.get('/api/v1/layout', async (): Promise<LayoutView> => ({
    zones: layout.zones,
    zoneNames: layout.zoneNames,
    columns: layout.columns,
    rows: layout.rows,
    seats: layout.seats.length,
    pollIntervalMs: ctx.config.cabin.pollIntervalMs,
  }));

  app.get('/api/v1/inventory', async () => ({ lrus: store.inventory() }));

  app.get<{ Querystring: { limit?: number; before?: number } }>(
    '/api/v1/history',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500 }, before: { type: 'integer', minimum: 1 } } } } },
    async (req) => ({ events: store.recentEvents({ limit: req.query.limit ?? 100, ...(req.query.before ? { beforeId: req.query.before } : {}) }) }),
  );
}
