import type { FastifyInstance } from 'fastify';
import type { ControllerContext } from '../contract/feature.js';
import { requireRole } from '../http/auth.js';
import { ApiError } from '../http/errors.js';
import type { ChannelConfig } from './channel-config.js';
import type { ChannelManager } from './channel-manager.js';
import type { SafetyCommands, SafetyVideo } from './safety-video.js';

export interface ChannelRouteDeps {
  video: SafetyVideo;
  manager: Pick<ChannelManager, 'channels'>;
  channels: readonly ChannelConfig[];
  safety: ChannelConfig;
  commands: SafetyCommands;
  /** VLC's process state (pid, restarts), null when disabled. */
  vlc: () => unknown;
}

const EMPTY_BODY = { anyOf: [{ type: 'null' }, { type: 'object', additionalProperties: false, properties: {} }] };
const TARGET_BODY = {
  type: 'object',
  additionalProperties: false,
  required: ['target'],
  properties: {
    // The command vocabulary checks the target itself (one selector, known seats and zones): its messages name the field.
    target: { type: 'object' },
    /** How long the channel stays imposed unless released first; default 24 h. */
    ttlMs: { type: 'integer', minimum: 1000, maximum: 86_400_000 },
  },
};
const IMPOSE_TTL_MS = 86_400_000;

/**
 * GET /api/v1/safety, POST /api/v1/safety/play and /stop (crew);
 * GET /api/v1/channels, POST /api/v1/channels/:id/impose and /release (crew).
 */
export function channelRoutes(d: ChannelRouteDeps) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    app.get('/api/v1/safety', async () => ({ safety: d.video.status }));

    app.post('/api/v1/safety/play', { onRequest: requireRole(ctx, 'crew'), schema: { body: EMPTY_BODY }, config: { idempotent: true } }, async (req) => {
      const status = await d.video.play(req.principal!.name);
      return { safety: status };
    });

    app.post('/api/v1/safety/stop', { onRequest: requireRole(ctx, 'crew'), schema: { body: EMPTY_BODY }, config: { idempotent: true } }, async (req) => {
      const status = await d.video.stop(req.principal!.name);
      return { safety: status };
    });

    app.get('/api/v1/channels', async () => ({ channels: d.manager.channels, safety: d.video.status, vlc: d.vlc() }));

    const channelOf = (id: string): ChannelConfig => {
      const c = d.channels.find((x) => x.id === id);
      if (c) return c;
      if (id === d.safety.id) throw new ApiError(409, 'USE_SAFETY_API', 'the safety video is played with POST /api/v1/safety/play', 'id');
      throw new ApiError(404, 'UNKNOWN_CHANNEL', `no channel "${id}"; channels: ${d.channels.map((x) => x.id).join(', ') || 'none'}`, 'id');
    };

    app.post<{ Params: { id: string }; Body: { target: unknown; ttlMs?: number } }>(
      '/api/v1/channels/:id/impose',
      { onRequest: requireRole(ctx, 'crew'), schema: { body: TARGET_BODY }, config: { idempotent: true } },
      async (req, reply) => {
        const c = channelOf(req.params.id);
        const cmd = d.commands.issue({ target: req.body.target, cmd: 'channel.tune', args: { channel: c.id, group: c.group } }, { issuer: req.principal!.name, ttlMs: req.body.ttlMs ?? IMPOSE_TTL_MS });
        ctx.bus.publish({ type: 'channel.imposed', seat: null, at: Date.now(), channel: c.id, target: req.body.target, seq: cmd.seq, by: req.principal!.name });
        reply.code(201);
        return { command: cmd };
      },
    );

    app.post<{ Params: { id: string }; Body: { target: unknown } }>(
      '/api/v1/channels/:id/release',
      { onRequest: requireRole(ctx, 'crew'), schema: { body: { ...TARGET_BODY, properties: { target: TARGET_BODY.properties.target } } }, config: { idempotent: true } },
      async (req, reply) => {
        const c = channelOf(req.params.id);
        const cmd = d.commands.issue({ target: req.body.target, cmd: 'channel.release', args: { channel: c.id } }, { issuer: req.principal!.name });
        ctx.bus.publish({ type: 'channel.released', seat: null, at: Date.now(), channel: c.id, target: req.body.target, seq: cmd.seq, by: req.principal!.name });
        reply.code(201);
        return { command: cmd };
      },
    );
  };
}
