import type { FastifyInstance } from 'fastify';
import { formatFieldErrors } from '../../../protocols/seat-command/validate.js';
import type { ControllerContext } from '../../contract/feature.js';
import { requireRole } from '../../http/auth.js';
import { ApiError } from '../../http/errors.js';
import type { ControlAction } from './control.js';
import { parseRolloutRequest } from './request.js';
import type { RolloutService } from './service.js';
import { detail, summarize } from './view.js';

const ACTIONS: readonly ControlAction[] = ['pause', 'resume', 'cancel', 'retry'];

/** POST/GET /api/v1/rollouts, GET /api/v1/rollouts/:id, POST /api/v1/rollouts/:id/{pause,resume,cancel,retry}. */
export function rolloutRoutes(rollouts: RolloutService) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    const service = () => rollouts;
    const idOf = (text: string) => {
      const id = Number(text);
      if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(id)) throw new ApiError(404, 'UNKNOWN_ROLLOUT', `no rollout ${text.slice(0, 40)}`, 'id');
      return id;
    };

    // The body is checked by parseRolloutRequest, strictly: a schema here would strip unknown fields instead of refusing them.
    app.post('/api/v1/rollouts', { onRequest: requireRole(ctx, 'technician'), config: { idempotent: true } }, async (req, reply) => {
      const parsed = parseRolloutRequest(req.body, ctx.config.rollout);
      if (!parsed.ok) throw new ApiError(400, 'INVALID_ROLLOUT', formatFieldErrors(parsed.errors), parsed.errors[0]?.field);
      const r = service().create(parsed.value, req.principal!.name);
      reply.code(201);
      return { rollout: detail(r) };
    });

    app.get<{ Querystring: { limit?: string } }>('/api/v1/rollouts', async (req) => {
      const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ApiError(400, 'INVALID_QUERYSTRING', 'limit must be an integer from 1 to 500', 'limit');
      return { rollouts: service().list(limit).map(summarize) };
    });

    app.get<{ Params: { id: string } }>('/api/v1/rollouts/:id', async (req) => {
      const r = service().get(idOf(req.params.id));
      if (!r) throw new ApiError(404, 'UNKNOWN_ROLLOUT', `no rollout ${req.params.id}`, 'id');
      return { rollout: detail(r) };
    });

    app.post<{ Params: { id: string; action: string } }>('/api/v1/rollouts/:id/:action', { onRequest: requireRole(ctx, 'technician'), config: { idempotent: true } }, async (req) => {
      const action = req.params.action as ControlAction;
      if (!ACTIONS.includes(action)) throw new ApiError(404, 'NOT_FOUND', `no action ${req.params.action.slice(0, 40)}: use one of ${ACTIONS.join(', ')}`);
      return { rollout: detail(service().control(idOf(req.params.id), action, req.principal!.name)) };
    });
  };
}
