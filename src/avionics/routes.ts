import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../contract/feature.js';
import { requireRole } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import { INPUTS, type InputName } from '../../protocols/display-control/nec-messages.js';
import type { MonitorService } from '../monitors/monitor-service.js';
import type { AvionicsService } from './service.js';

/** Where seats read the moving-map feed (docs/protocol.md, "Flight feed"). */
export const FLIGHT_PATH = '/seat/v1/flight';

/**
 * GET /seat/v1/flight (seats, unauthenticated like /seat/v1/identity: what a
 * passenger sees on the map); GET /api/v1/flight (crew: the same with the
 * phase's reason, the gate's answers and the word counters).
 */
export function flightRoutes(avionics: AvionicsService | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    const running = () => {
      if (!avionics) throw new ApiError(404, 'NO_AVIONICS', 'this cabin has no avionics feed (avionics.enabled is false)');
      return avionics;
    };
    app.get(FLIGHT_PATH, async (_req, reply) => {
      const { json } = running().feed.get();
      reply.header('cache-control', 'no-store').type('application/json; charset=utf-8');
      return json;
    });
    app.get('/api/v1/flight', async () => {
      const a = running();
      const phase = a.pipeline.phase();
      return {
        feed: a.feed.get().value,
        phase: { phase: phase.phase, onGround: phase.onGround, reason: phase.reason, evidence: phase.evidence },
        gate: { rollout: a.gate.check('rollout'), tunnel: a.gate.check('tunnel'), 'ground-download': a.gate.check('ground-download') },
        counters: a.pipeline.counters(),
      };
    });
  };
}

const POWER = new Set(['on', 'off']);

/** GET /api/v1/monitors; POST /api/v1/monitors/:id {power?: 'on'|'off', input?: 'hdmi'|...} (crew). */
export function monitorRoutes(monitors: MonitorService) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    app.get('/api/v1/monitors', async () => ({ monitors: monitors.list() }));
    app.post<{ Params: { id: string }; Body: unknown }>('/api/v1/monitors/:id', { onRequest: requireRole(ctx, 'crew'), config: { idempotent: true } }, async (req) => {
      const driver = monitors.driver(req.params.id);
      if (!driver) throw new ApiError(404, 'UNKNOWN_MONITOR', `no monitor ${req.params.id.slice(0, 40)}`, 'id');
      const body = req.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'INVALID_MONITOR_COMMAND', 'must be a JSON object {power?, input?}');
      const b = body as Record<string, unknown>;
      for (const k of Object.keys(b)) if (k !== 'power' && k !== 'input') throw new ApiError(400, 'INVALID_MONITOR_COMMAND', `${k} is not a monitor field`, k);
      if (b.power !== undefined && !POWER.has(b.power as string)) throw new ApiError(400, 'INVALID_MONITOR_COMMAND', 'power must be on or off', 'power');
      if (b.input !== undefined && !(typeof b.input === 'string' && Object.hasOwn(INPUTS, b.input))) {
        throw new ApiError(400, 'INVALID_MONITOR_COMMAND', `input must be one of ${Object.keys(INPUTS).join(', ')}`, 'input');
      }
      if (b.power === undefined && b.input === undefined) throw new ApiError(400, 'INVALID_MONITOR_COMMAND', 'give power or input');
      const results = [];
      if (b.power !== undefined) results.push(await (b.power === 'on' ? driver.powerOn() : driver.powerOff()));
      if (b.input !== undefined) results.push(await driver.selectInput(b.input as InputName));
      const failed = results.find((r) => !r.ok);
      if (failed && !failed.ok) throw new ApiError(failed.fault.code === 'MONITOR_NO_REPLY' || failed.fault.code === 'MONITOR_PORT_DOWN' ? 503 : 409, failed.fault.code, failed.fault.detail);
      return { monitor: driver.snapshot() };
    });
  };
}
