import type { FastifyInstance } from 'fastify';
import { commandKeyToBase64 } from '../../protocols/seat-command/keys.js';
import { commandRequestSchema } from '../../protocols/seat-command/schema.js';
import { IDENTITY_PATH } from '../../protocols/seat-poll/types.js';
import type { ControllerContext } from '../contract/feature.js';
import { hasRole, roleForCommand } from '../auth/principal.js';
import { requireRole } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import type { CommandKeys } from './command-key.js';
import type { CommandService } from './command-service.js';


/** GET /seat/v1/identity, POST/GET /api/v1/commands, GET /api/v1/commands/:seq. */
export function commandRoutes(service: CommandService, keys: CommandKeys) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    app.get(IDENTITY_PATH, async () => ({ commandKey: commandKeyToBase64(keys.publicKey) }));

    app.post<{ Body: unknown; Querystring: { ttlMs?: number } }>(
      '/api/v1/commands',
      {
        preHandler: requireRole(ctx, 'crew'),
        schema: {
          body: commandRequestSchema,
          querystring: { type: 'object', additionalProperties: false, properties: { ttlMs: { type: 'integer', minimum: 1000, maximum: 86_400_000 } } },
        },
      },
      async (req, reply) => {
        const cmd = (req.body as { cmd?: string }).cmd ?? '';
        if (!hasRole(req.principal!, roleForCommand(cmd))) throw new ApiError(403, 'FORBIDDEN', `${cmd} needs the technician role`);
        const status = service.issue(req.body, { issuer: req.principal!.name, ...(req.query.ttlMs ? { ttlMs: req.query.ttlMs } : {}) });
        reply.code(201);
        return { command: status };
      },
    );

    app.get<{ Querystring: { limit?: number } }>(
      '/api/v1/commands',
      { schema: { querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500 } } } } },
      async (req) => ({ commands: service.recent(req.query.limit ?? 50) }),
    );

    app.get<{ Params: { seq: string } }>('/api/v1/commands/:seq', async (req) => {
      const seq = Number(req.params.seq);
      const status = Number.isSafeInteger(seq) ? service.status(seq) : undefined;
      if (!status) throw new ApiError(404, 'UNKNOWN_COMMAND', `no tracked command with seq ${req.params.seq}`, 'seq');
      return status;
    });
  };
}
