import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { ControllerContext, RoutePlugin } from '../contract/feature.js';
import { POLL_PATH } from '../../protocols/seat-poll/types.js';
import { HealthCell, type Service } from '../core/service.js';
import { installAccessPolicy } from './access.js';
import { installErrorHandlers, sendError } from './errors.js';
import { installIdempotency } from './idempotency.js';
import { LazySchemas } from './lazy-schemas.js';
import { IdempotencyStore } from '../store/idempotency-store.js';
import { entitiesApiRoutes } from './routes/entities-api.js';
import { eventsSseRoutes } from './routes/events-sse.js';
import { movesApiRoutes } from './routes/moves-api.js';
import { healthRoutes } from './routes/health.js';
import { seatPollRoutes } from './routes/seat-poll.js';
import { seatsApiRoutes } from './routes/seats-api.js';
import { isLoopbackHost, loadOrCreateTls, tlsEnabled, type TlsMaterial } from './tls.js';
import { capConnectionsPerAddress, clientErrorHandler } from './transport.js';

export type { RoutePlugin };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The controller's HTTP listeners, one router. Without TLS: one plain
 * listener on http.port for everything. With TLS: HTTPS on http.tls.port for
 * people (panel, API) and the plain listener on http.port for seats only
 * (their polls are signed; firmware need not change). Each route family is
 * its own plugin.
 */
export class HttpService implements Service {
  readonly name = 'http';
  readonly #health = new HealthCell();
  readonly health$ = this.#health.health$;
  readonly app: FastifyInstance;
  /** Route schemas compile on first use, or in warm() once seats are answered (the start's longest part otherwise). */
  readonly schemas = new LazySchemas();
  #firstSeatAnswered!: (at: number) => void;
  /** performance.now() when the first seat poll was answered 200. */
  readonly firstSeatAnswered = new Promise<number>((resolve) => (this.#firstSeatAnswered = resolve));
  /** Resolves with the schemas that failed to compile once the background compile after start() is done. */
  warmed: Promise<Error[]> = Promise.resolve([]);
  readonly #tls: boolean;
  /** The plain listener when TLS is on (seats); fastify's own server is then the HTTPS one. */
  #seatServer: Server | undefined;
  #closing = false;
  #url = '';
  #seatUrl = '';
  #material: TlsMaterial | undefined;

  constructor(private readonly ctx: ControllerContext, extra: RoutePlugin[] = []) {
    const http = ctx.config.http;
    this.#tls = tlsEnabled(http);
    const onError = (code: string) => ctx.metrics.errors.inc({ code });
    const serverOptions: ServerOptions = {
      // Slowloris: headers in 10 s (Node: 60 s), checked every second rather than Node's 30.
      headersTimeout: http.headersTimeoutMs,
      requestTimeout: Math.max(http.requestTimeoutMs, http.headersTimeoutMs),
      connectionsCheckingInterval: 1000,
      keepAliveTimeout: 65_000,
      maxHeaderSize: 16 * 1024,
    };
    const exempt = http.connectionCapExempt;
    const guard = (server: Server, plain: boolean) => {
      capConnectionsPerAddress(server, { max: http.maxConnectionsPerAddress, exempt, plain, onRefused: (address) => {
        onError('TOO_MANY_CONNECTIONS');
        ctx.log.warn({ address, max: http.maxConnectionsPerAddress }, 'connection refused: this address is at its cap');
      } });
      return server;
    };
    const onClientError = clientErrorHandler(onError);
    this.app = Fastify({
      // Per-request logs are at info: at 300 polls a second they would drown everything else.
      loggerInstance: ctx.log.child({ service: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
      serverFactory: (handler: Handler) => {
        if (!this.#tls) return guard(createHttpServer(serverOptions, handler), true);
        // The certificate is read or made in start(); until then the context is empty and nothing listens.
        const people = createHttpsServer({ ...serverOptions, minVersion: 'TLSv1.2' }, handler) as unknown as HttpsServer;
        const seats = guard(createHttpServer(serverOptions, handler), true);
        seats.on('clientError', onClientError);
        this.#seatServer = seats;
        return guard(people as unknown as Server, false);
      },
      keepAliveTimeout: 65_000,
      // Seats keep connections open; on stop, idle ones close and in-flight polls are answered.
      forceCloseConnections: 'idle',
      ajv: { customOptions: { removeAdditional: true, useDefaults: true, coerceTypes: 'array', allErrors: false } },
      schemaController: this.schemas.controller,
      // Ours (installAccessPolicy) answers in our error shape; fastify's would not.
      return503OnClosing: false,
      clientErrorHandler: onClientError,
      // Errors fastify raises before routing (a bad URL, a path parameter too long) get our error shape too.
      frameworkErrors: (err, _req, reply) => {
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
        const code = status === 414 ? 'URI_TOO_LONG' : 'BAD_REQUEST';
        onError(code);
        void sendError(reply, status, code, err.message);
      },
    });
    installErrorHandlers(this.app, onError);
    // When the first seat got its answer, by this process's clock: what "answered within 1 s of start" means to a seat.
    let answered = false;
    this.app.addHook('onResponse', (req, reply, done) => {
      if (!answered && reply.statusCode === 200 && req.routeOptions.url === POLL_PATH) {
        answered = true;
        this.#firstSeatAnswered(performance.now());
      }
      done();
    });
    // Before any plugin, so its onRoute hook sees every route that opts in with config.idempotent.
    installIdempotency(this.app, new IdempotencyStore(ctx.db), { log: ctx.log.child({ service: 'idempotency' }), count: (outcome) => ctx.metrics.idempotency.inc({ outcome }) });
    const readAccess = http.readAccess ?? (isLoopbackHost(http.host) ? 'open' : 'session');
    installAccessPolicy(this.app, ctx, { tls: this.#tls, httpsPort: () => portOf(this.app.server, http.tls.port), readAccess, closing: () => this.#closing || ctx.stopping.aborted }, onError);
    for (const plugin of [seatPollRoutes, seatsApiRoutes, movesApiRoutes, entitiesApiRoutes, eventsSseRoutes, healthRoutes, ...extra]) {
      this.app.register((async (a) => plugin(a, ctx)) as FastifyPluginAsync);
    }
  }

  /** Where people reach the panel and API: https:// when TLS is on. */
  get url(): string {
    return this.#url;
  }

  /** Where seats poll: plain http:// on http.port (the same as `url` when TLS is off). */
  get seatUrl(): string {
    return this.#seatUrl;
  }

  /** The certificate people's HTTPS uses (undefined when TLS is off). */
  get tls(): TlsMaterial | undefined {
    return this.#material;
  }

  async start(): Promise<void> {
    const { host, port, tls } = this.ctx.config.http;
    const bracket = host.includes(':') ? `[${host}]` : host;
    if (this.#tls) {
      const m = (this.#material = await loadOrCreateTls(this.ctx.config.stateDir, this.ctx.config.http));
      (this.app.server as unknown as HttpsServer).setSecureContext({ cert: m.cert, key: m.key });
      await this.#listen(() => this.app.listen({ host, port: tls.port }), 'http.tls.port', host, tls.port);
      const seats = this.#seatServer!;
      await this.#listen(() => new Promise<void>((resolve, reject) => {
        seats.once('error', reject);
        seats.listen({ host, port }, () => {
          seats.off('error', reject);
          resolve();
        });
      }), 'http.port', host, port);
      this.#url = `https://${bracket}:${portOf(this.app.server, tls.port)}`;
      this.#seatUrl = `http://${bracket}:${portOf(seats, port)}`;
      this.ctx.log.info({ url: this.#url, seatUrl: this.#seatUrl, certificate: m.certPath, sha256: m.fingerprint256, generated: m.generated, validTo: m.validTo },
        `https for people on ${this.#url}; certificate SHA-256 fingerprint ${m.fingerprint256}${m.generated ? ' (generated now)' : ''}`);
    } else {
      await this.#listen(() => this.app.listen({ host, port }), 'http.port', host, port);
      this.#url = this.#seatUrl = `http://${bracket}:${portOf(this.app.server, port)}`;
      if (!isLoopbackHost(host)) this.ctx.log.warn({ host }, 'http.tls.enabled is false on a network address: panel PINs, sessions and the API token cross the network in the clear');
    }
    // On the panel's Systems dialog and /api/v1/entities: where seats poll, and the fingerprint a person checks the browser's warning against.
    this.ctx.entities.set({
      id: 'http:listeners',
      kind: 'http',
      name: 'HTTP listeners',
      state: this.#tls ? 'https' : 'http',
      attributes: { url: this.#url, seatUrl: this.#seatUrl, ...(this.#material ? { sha256: this.#material.fingerprint256, certificate: this.#material.certPath, validTo: this.#material.validTo } : {}) },
    });
    this.#health.set('ok');
    // Seats are answered now; the schemas no request has needed yet compile in the background, one a turn.
    this.warmed = this.schemas.warm(() => this.#closing).then((errors) => {
      for (const e of errors) this.ctx.log.error({ err: e.message }, 'a route schema does not compile: its requests will fail');
      return errors;
    });
  }

  async #listen(listen: () => Promise<unknown>, key: string, host: string, port: number): Promise<void> {
    try {
      // The starting listener has just let this port go: another socket on the machine may hold
      // it for an instant (an ephemeral port taken in between). Try again briefly before giving up.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen();
          return;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new Error(`${key} ${port}: address ${host}:${port} is in use`);
      if (code === 'EADDRNOTAVAIL') throw new Error(`http.host ${host}: not an address of this machine`);
      if (code === 'EACCES') throw new Error(`${key} ${port}: not allowed to listen there (a port under 1024 needs CAP_NET_BIND_SERVICE)`);
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.#health.set('down', 'stopped');
    this.#closing = true;
    const seats = this.#seatServer;
    const seatsClosed = seats?.listening
      ? new Promise<void>((resolve) => {
          // In-flight polls are answered (with connection: close, see installAccessPolicy); idle keep-alives go now, stragglers after 2 s.
          const force = setTimeout(() => seats.closeAllConnections(), 2000);
          const sweep = setInterval(() => seats.closeIdleConnections(), 100);
          seats.close(() => {
            clearTimeout(force);
            clearInterval(sweep);
            resolve();
          });
          seats.closeIdleConnections();
        })
      : Promise.resolve();
    await Promise.all([this.app.close(), seatsClosed]);
  }
}

function portOf(server: Server | HttpsServer, fallback: number): number {
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : fallback;
}
