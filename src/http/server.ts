import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { ControllerContext, RoutePlugin } from '../contract/feature.js';
import { HealthCell, type Service } from '../core/service.js';
import { installErrorHandlers, sendError } from './errors.js';
import { entitiesApiRoutes } from './routes/entities-api.js';
import { eventsSseRoutes } from './routes/events-sse.js';
import { movesApiRoutes } from './routes/moves-api.js';
import { healthRoutes } from './routes/health.js';
import { seatPollRoutes } from './routes/seat-poll.js';
import { seatsApiRoutes } from './routes/seats-api.js';

export type { RoutePlugin };

/** The controller's one HTTP server: seat polls, the API, the panel. Each route family is its own plugin. */
export class HttpService implements Service {
  readonly name = 'http';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly app: FastifyInstance;
  #url = '';

  constructor(private readonly ctx: ControllerContext, extra: RoutePlugin[] = []) {
    this.app = Fastify({
      // Per-request logs are at info: at 300 polls a second they would drown everything else.
      loggerInstance: ctx.log.child({ service: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
      keepAliveTimeout: 65_000,
      // Seats keep connections open; on stop, idle ones close and in-flight polls are answered.
      forceCloseConnections: 'idle',
      ajv: { customOptions: { removeAdditional: true, useDefaults: true, coerceTypes: 'array', allErrors: false } },
      return503OnClosing: true,
      // Errors fastify raises before routing (a bad URL, a path parameter too long) get our error shape too.
      frameworkErrors: (err, _req, reply) => {
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
        const code = status === 414 ? 'URI_TOO_LONG' : 'BAD_REQUEST';
        ctx.metrics.errors.inc({ code });
        void sendError(reply, status, code, err.message);
      },
    });
    installErrorHandlers(this.app, (code) => ctx.metrics.errors.inc({ code }));
    for (const plugin of [seatPollRoutes, seatsApiRoutes, movesApiRoutes, entitiesApiRoutes, eventsSseRoutes, healthRoutes, ...extra]) {
      this.app.register((async (a) => plugin(a, ctx)) as FastifyPluginAsync);
    }
  }

  get url(): string {
    return this.#url;
  }

  async start(): Promise<void> {
    const { host, port } = this.ctx.config.http;
    try {
      await this.app.listen({ host, port });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new Error(`http.port ${port}: address ${host}:${port} is in use`);
      if (code === 'EADDRNOTAVAIL') throw new Error(`http.host ${host}: not an address of this machine`);
      if (code === 'EACCES') throw new Error(`http.port ${port}: not allowed to listen there (a port under 1024 needs CAP_NET_BIND_SERVICE)`);
      throw e;
    }
    const addr = this.app.server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    this.#url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    this.#health.set('ok');
  }

  async stop(): Promise<void> {
    this.#health.set('down', 'stopped');
    await this.app.close();
  }
}
