// A bare node:http server answering seat polls with a fixed, valid answer:
// the floor under fastify itself. Run as a child by startNodeHello().
import { createServer } from 'node:http';
import { DEFAULT_DESIRED, POLL_PATH } from '../../protocols/seat-poll/types.js';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== POLL_PATH) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.stringify({ serverAt: Date.now(), pollIntervalMs: 1000, desired: DEFAULT_DESIRED, commands: [] });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
// As fastify sets it, so that seats' keep-alive connections live as long in both.
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  if (addr && typeof addr === 'object') process.stdout.write(`listening on http://127.0.0.1:${addr.port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
