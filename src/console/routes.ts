import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../contract/feature.js';
import { requireRole } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import type { ManualGroundFlag, TunnelService } from './tunnel-service.js';

/** GET /api/v1/tunnel (the tunnel and its gate), POST /api/v1/tunnel {onGround} (technician; only without avionics). */
export function tunnelRoutes(flag: ManualGroundFlag, service: () => TunnelService | undefined, gate: () => true | string) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    const view = () => {
      const g = gate();
      return {
        enabled: ctx.config.tunnel.enabled,
        gate: ctx.find('groundGate') ? 'flight-phase' : 'manual',
        manual: flag.value,
        allowed: g === true,
        ...(g === true ? {} : { reason: g }),
        tunnel: ctx.entities.get('tunnel:ground') ?? null,
      };
    };
    app.get('/api/v1/tunnel', async () => view());
    app.post<{ Body: { onGround: boolean } }>(
      '/api/v1/tunnel',
      {
        onRequest: requireRole(ctx, 'technician'),
        config: { idempotent: true },
        schema: { body: { type: 'object', additionalProperties: false, required: ['onGround'], properties: { onGround: { type: 'boolean' } } } },
      },
      async (req) => {
        if (ctx.find('groundGate')) {
          throw new ApiError(409, 'GATE_FROM_FLIGHT_PHASE', 'this controller knows the flight phase (avionics): it decides when the tunnel may open, not a manual flag');
        }
        flag.set(req.body.onGround, req.principal!.name);
        ctx.log.info({ onGround: req.body.onGround, by: req.principal!.name }, 'tunnel: manual on-ground flag set');
        service()?.recheck();
        return view();
      },
    );
  };
}
