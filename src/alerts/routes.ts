import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../contract/feature.js';
import { requireRole } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import type { Alert } from './alert.js';
import type { AlertService } from './alert-service.js';

/** GET /api/v1/alerts: `now` lets a panel whose clock differs show "waiting 3 min" right. */
export interface AlertList {
  now: number;
  alerts: Alert[];
}

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z]{1,16}-[A-Za-z0-9_-]{1,120}$' } },
} as const;

/** GET /api/v1/alerts; POST /api/v1/alerts/:id/ack and /clear (crew). */
export function alertRoutes(alerts: AlertService) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    const open = (id: string) => {
      const a = alerts.get(id);
      if (!a) throw new ApiError(404, 'UNKNOWN_ALERT', `no open alert ${id}: it may have been cleared already`, 'id');
      return a;
    };

    app.get('/api/v1/alerts', async (_req, reply): Promise<AlertList> => {
      reply.header('cache-control', 'no-store');
      return { now: Date.now(), alerts: alerts.list() };
    });

    app.post<{ Params: { id: string } }>(
      '/api/v1/alerts/:id/ack',
      { onRequest: requireRole(ctx, 'crew'), schema: { params: idParams }, config: { idempotent: true } },
      async (req) => {
        open(req.params.id);
        return { alert: alerts.ack(req.params.id, req.principal!.name) ?? null };
      },
    );

    app.post<{ Params: { id: string } }>(
      '/api/v1/alerts/:id/clear',
      { onRequest: requireRole(ctx, 'crew'), schema: { params: idParams }, config: { idempotent: true } },
      async (req) => {
        const a = open(req.params.id);
        if (a.kind === 'move') throw new ApiError(409, 'DECISION_NEEDED', `seat ${a.seat}: a held unit move ends when a technician confirms or rejects it (POST /api/v1/moves/${a.seat}/confirm or /reject), not by clearing its alert`, 'id');
        alerts.clear(req.params.id, req.principal!.name);
        return { cleared: req.params.id };
      },
    );
  };
}
