import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../../contract/feature.js';
import { requireRole } from '../auth.js';
import { ApiError } from '../errors.js';

const decisionSchema = {
  body: { type: 'object', additionalProperties: false, required: ['serial'], properties: { serial: { type: 'string', minLength: 1, maxLength: 64 } } },
  params: { type: 'object', required: ['seat', 'decision'], properties: { seat: { type: 'string', maxLength: 8 }, decision: { enum: ['confirm', 'reject'] } } },
} as const;

/**
 * GET /api/v1/moves: units claiming a seat another unit holds (docs/protocol.md);
 * POST /api/v1/moves/:seat/confirm|reject {serial}: a technician's decision,
 * published as lru.move-confirmed / lru.move-rejected with who decided.
 */
export async function movesApiRoutes(app: FastifyInstance, ctx: ControllerContext): Promise<void> {
  const { registry } = ctx;
  app.get('/api/v1/moves', async () => ({ moves: registry.pendingMoves() }));
  app.post<{ Params: { seat: string; decision: 'confirm' | 'reject' }; Body: { serial: string } }>(
    '/api/v1/moves/:seat/:decision',
    { onRequest: requireRole(ctx, 'technician'), schema: decisionSchema, config: { idempotent: true } },
    async (req) => {
      const { seat, decision } = req.params;
      const by = req.principal!.name;
      const r = decision === 'confirm' ? registry.confirmMove(seat, req.body.serial, by) : registry.rejectMove(seat, req.body.serial, by);
      if (!r.ok) throw new ApiError(404, r.reason === 'unknown-seat' ? 'UNKNOWN_SEAT' : 'NO_SUCH_CLAIM', r.reason === 'unknown-seat' ? `seat ${seat} is not in the cabin layout` : `unit ${req.body.serial} has no pending claim on seat ${seat}`, r.reason === 'unknown-seat' ? 'seat' : 'serial');
      return { move: r.move, decision };
    },
  );
}
