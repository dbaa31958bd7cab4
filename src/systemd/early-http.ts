import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * The controller's first act: listen on the HTTP port and say "starting",
 * so that from outside a controller that is opening its store and checking
 * its disks is told apart from a dead one (connection refused). Fastify
 * cannot add routes once it listens, and features bring their routes from
 * their setup, so this small node:http server holds the port until the real
 * server is built, then is closed and the real one listens on the same port
 * (`handOver`). Every answer closes its connection, so no keep-alive socket
 * outlives the hand-over; a seat that polls into the few milliseconds between
 * the two gets connection refused and polls again.
 */
export interface EarlyHttpOptions {
  host: string;
  /** 0 for an ephemeral port: the real server then listens on the one this got. */
  port: number;
  /** What is still being checked or started, in order, for the health answer. */
  checking: () => readonly string[];
  /** Seconds a client is told to wait (Retry-After). */
  retryAfterS?: number;
}

export interface EarlyHttp {
  /** The port actually bound. */
  readonly port: number;
  readonly url: string;
  /** Requests answered 503 so far. */
  readonly answered: number;
  /** Stops listening and closes every connection; resolves once the port is free. */
  handOver(): Promise<void>;
}

export const HEALTH_PATH = '/api/v1/health';

/** Listens now; rejects with a message naming the key when the port cannot be had. */
export async function listenEarly(opts: EarlyHttpOptions): Promise<EarlyHttp> {
  const retryAfter = String(opts.retryAfterS ?? 2);
  let answered = 0;
  const server: Server = createServer((req, res) => {
    answered++;
    answer(req, res, opts.checking, retryAfter);
  });
  // Slow or idle clients must not hold the hand-over up.
  server.requestTimeout = 5000;
  server.headersTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(listenErrorMessage(e, opts.host, opts.port))));
    server.listen({ host: opts.host, port: opts.port, exclusive: true }, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  let closed: Promise<void> | undefined;
  return {
    port,
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    get answered() {
      return answered;
    },
    handOver() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function answer(req: IncomingMessage, res: ServerResponse, checking: () => readonly string[], retryAfter: string): void {
  // The body is never read: drop it rather than buffer it.
  req.resume();
  let list: readonly string[];
  try {
    list = checking();
  } catch {
    list = [];
  }
  const path = (req.url ?? '/').split('?')[0];
  const body =
    path === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')
      ? { state: 'starting', status: 'starting', checking: list }
      : { error: { code: 'STARTING', message: `the controller is starting (checking: ${list.join(', ') || 'nothing'}); retry after ${retryAfter} s` } };
  const text = JSON.stringify(body);
  res.writeHead(503, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'retry-after': retryAfter,
    'cache-control': 'no-store',
    connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** The same wording the real HTTP service uses, so an operator sees one message for one mistake. */
export function listenErrorMessage(e: NodeJS.ErrnoException, host: string, port: number): string {
  if (e.code === 'EADDRINUSE') return `http.port ${port}: address ${host}:${port} is in use`;
  if (e.code === 'EADDRNOTAVAIL') return `http.host ${host}: not an address of this machine`;
  if (e.code === 'EACCES') return `http.port ${port}: not allowed to listen there (a port under 1024 needs CAP_NET_BIND_SERVICE)`;
  return `http ${host}:${port}: ${e.message}`;
}
