import type { FastifyInstance } from 'fastify';
import { commandKeyToBase64 } from '../../protocols/seat-command/keys.js';
import { commandRequestSchema } from '../../protocols/seat-command/schema.js';
import { IDENTITY_PATH } from '../../protocols/seat-poll/types.js';
import type { ControllerContext } from '../contract/feature.js';
import { actorOf, hasRole, roleForCommand } from '../auth/principal.js';
import { requireRole } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import type { CommandKeys } from './command-key.js';
import type { CommandService } from './command-service.js';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from '../../core/idempotency-key.js';
import { DomainError } from '../contract/errors.js';
import type { DeliveryState } from './delivery.js';

const STATES: DeliveryState[] = ['pending', 'delivered', 'incomplete', 'expired'];

/**
 * GET /seat/v1/identity, POST/GET /api/v1/commands, GET /api/v1/commands/:seq.
 * POST takes an Idempotency-Key header; GET pages through the log's history.
 */
export function commandRoutes(service: CommandService, keys: CommandKeys) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    app.get(IDENTITY_PATH, async () => ({ commandKey: commandKeyToBase64(keys.publicKey) }));

    app.post<{ Body: unknown; Querystring: { ttlMs?: number } }>(
      '/api/v1/commands',
      {
        onRequest: requireRole(ctx, 'crew'),
        schema: {
          body: commandRequestSchema,
          querystring: { type: 'object', additionalProperties: false, properties: { ttlMs: { type: 'integer', minimum: 1000, maximum: 86_400_000 } } },
        },
      },
      async (req, reply) => {
        const { cmd = '', target } = req.body as { cmd?: string; target?: unknown };
        const needed = roleForCommand(cmd, target);
        if (!hasRole(req.principal!, needed)) throw new ApiError(403, 'FORBIDDEN', cmd === 'seat.reboot' ? 'rebooting more than one seat needs the technician role' : `${cmd} needs the ${needed} role`);
        const key = req.headers[IDEMPOTENCY_HEADER];
        if (Array.isArray(key)) throw new ApiError(400, 'INVALID_IDEMPOTENCY_KEY', 'send one Idempotency-Key header', 'Idempotency-Key');
        let result;
        try {
          const actor = actorOf(req.principal!);
          result = service.issueOnce(req.body, { issuer: req.principal!.name, ...(actor ? { actor } : {}), ...(req.query.ttlMs ? { ttlMs: req.query.ttlMs } : {}), ...(key !== undefined ? { idempotencyKey: key } : {}) });
        } catch (e) {
          // Unprocessable, as the Idempotency-Key draft says: the key is fine, this request is not the one it was for.
          if (e instanceof DomainError && e.code === 'IDEMPOTENCY_KEY_REUSED') throw new ApiError(422, e.code, e.message, e.field);
          throw e;
        }
        if (result.replayed) reply.header(REPLAYED_HEADER, 'true');
        reply.code(201);
        return { command: result.status };
      },
    );

    app.get<{ Querystring: { before?: number; limit?: number; cmd?: string; issuer?: string; state?: DeliveryState } }>(
      '/api/v1/commands',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              before: { type: 'integer', minimum: 1 },
              limit: { type: 'integer', minimum: 1, maximum: 500 },
              cmd: { type: 'string', minLength: 1, maxLength: 64 },
              issuer: { type: 'string', minLength: 1, maxLength: 128 },
              state: { type: 'string', enum: STATES },
            },
          },
        },
      },
      async (req) => {
        const { before, limit, cmd, issuer, state } = req.query;
        return service.history({ limit: limit ?? 50, ...(before !== undefined ? { before } : {}), ...(cmd ? { cmd } : {}), ...(issuer ? { issuer } : {}), ...(state ? { state } : {}) });
      },
    );

    app.get<{ Params: { seq: string } }>('/api/v1/commands/:seq', async (req) => {
      const seq = Number(req.params.seq);
      const status = Number.isSafeInteger(seq) ? service.status(seq) : undefined;
      if (!status) throw new ApiError(404, 'UNKNOWN_COMMAND', `no command with seq ${req.params.seq}`, 'seq');
      return status;
    });
  };
}
