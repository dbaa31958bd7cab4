import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * Node answers `Expect: 100-continue` by itself, before any route has looked
 * at the request. For the requests `defer` picks (firmware uploads), the route
 * sends the 100 once the headers passed its checks (`continueIfExpected`), so
 * a client that waits for it never sends the body of a refused image. Every
 * other request gets its 100 at once, as before.
 */
export function deferContinue(server: Server, defer: (req: IncomingMessage) => boolean): void {
  // A listener here replaces Node's automatic answer, for every request on this server.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!defer(req)) res.writeContinue();
    server.emit('request', req, res);
  });
}

/** After the checks passed: ask for the body if the client waits to be asked. */
export function continueIfExpected(req: IncomingMessage, res: ServerResponse): void {
  if (/100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
}

/** How long, and how much more, a client may go on sending after its upload was refused. */
const LINGER_MS = 2000;
const LINGER_BYTES = 4 * 2 ** 20;

/**
 * A refusal answered while the client is still sending the body. Closing at
 * once would reset the connection over unread bytes, and a client busy
 * writing may then never read the answer; reading the rest would take in a
 * gigabyte nobody wants. So: end our side after the answer, let the client see
 * it and stop, and drop the connection once it has sent LINGER_BYTES more or
 * LINGER_MS have passed.
 */
export function lingerThenClose(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    const socket = req.socket;
    if (req.complete || socket.destroyed) return;
    const from = socket.bytesRead;
    const since = performance.now();
    socket.end();
    const timer = setInterval(() => {
      if (socket.bytesRead - from > LINGER_BYTES || performance.now() - since > LINGER_MS) socket.destroy();
    }, 20);
    timer.unref();
    socket.once('close', () => clearInterval(timer));
  });
}
