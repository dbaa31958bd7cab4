import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../../contract/feature.js';
import type { Entity } from '../../contract/entities.js';
import { ApiError } from '../errors.js';

/** GET /api/v1/entities: `now` is the controller's clock, for ages a page with another clock shows right. */
export interface EntityList {
  now: number;
  entities: Entity[];
}

/**
 * GET /api/v1/entities (optionally ?kind=channel) and /api/v1/entities/:id:
 * the last-known state of every entity but seats, read generically, so a new
 * kind is listed without a route of its own. Changes stream on
 * /api/v1/events as `event: entity`.
 */
export async function entitiesApiRoutes(app: FastifyInstance, ctx: ControllerContext): Promise<void> {
  app.get<{ Querystring: { kind?: string } }>(
    '/api/v1/entities',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { kind: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,39}$' } } } } },
    async (req): Promise<EntityList> => ({ now: Date.now(), entities: ctx.entities.all(req.query.kind) }),
  );
  app.get<{ Params: { id: string } }>('/api/v1/entities/:id', async (req) => {
    const e = ctx.entities.get(req.params.id);
    if (!e) throw new ApiError(404, 'UNKNOWN_ENTITY', `no entity ${req.params.id.slice(0, 80)}`, 'id');
    return e;
  });
}
