import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorBody } from '../../protocols/seat-poll/types.js';

/**
 * What Node answers before any route runs, in our error shape. Node (and
 * fastify's default) would send `{"error":"Bad Request","statusCode":400}`;
 * every client of ours reads `{"error":{"code","message"}}`.
 */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'request headers are larger than 16 KiB'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'the request was not received in time'],
  HPE_HEADERS_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'the request headers were not received in time'],
};

/** A whole HTTP/1.1 response as bytes, for the few answers written to a raw socket. */
export function rawResponse(status: number, code: string, message: string, extra: Record<string, string> = {}): string {
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...extra };
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`;
}

/** The `clientError` handler for every listener: a parse error or timeout is answered (431, 408, 400) and the connection closed. */
export function clientErrorHandler(onError: (code: string) => void) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'BAD_REQUEST', `malformed HTTP request (${err.code ?? 'parse error'})`];
    onError(code);
    // A request half-answered already (a timeout mid-response) gets no second status line.
    const midResponse = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (socket.writable && !midResponse) socket.end(rawResponse(status, code, message));
    else socket.destroy();
  };
}

export interface ConnectionCapOptions {
  max: number;
  exempt: readonly string[];
  /** Plain HTTP can be told why; on TLS nothing readable can be sent before the handshake, so the connection is just closed. */
  plain: boolean;
  onRefused: (address: string) => void;
}

/**
 * At most `max` open connections per peer address: the one past it is
 * answered 503 TOO_MANY_CONNECTIONS (plain HTTP) or closed at once (TLS) and
 * the ones it already holds carry on. Counted per listener.
 */
/** 127.0.0.0/8 and ::1, plain or IPv4-mapped: this machine, whichever loopback address a client binds. */
export function isLoopback(addr: string): boolean {
  const v4 = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  return v4.startsWith('127.') || addr === '::1';
}

export function capConnectionsPerAddress(server: Server, opts: ConnectionCapOptions): void {
  const open = new Map<string, number>();
  const exempt = new Set(opts.exempt);
  const loopback = exempt.has('loopback');
  // Before Node's own listener: a refused connection never gets as far as a parser that would route its request.
  server.prependListener('connection', (socket: Socket) => {
    const addr = socket.remoteAddress ?? '';
    if (exempt.has(addr) || (loopback && isLoopback(addr))) return;
    const n = (open.get(addr) ?? 0) + 1;
    if (n > opts.max) {
      opts.onRefused(addr);
      socket.on('error', () => undefined);
      if (!opts.plain) return void socket.destroy();
      socket.end(rawResponse(503, 'TOO_MANY_CONNECTIONS', `this address already holds ${opts.max} connections; reuse one (keep-alive)`, { 'retry-after': '5' }));
      socket.once('finish', () => socket.destroy());
      return;
    }
    open.set(addr, n);
    socket.once('close', () => {
      const left = (open.get(addr) ?? 1) - 1;
      if (left <= 0) open.delete(addr);
      else open.set(addr, left);
    });
  });
}
