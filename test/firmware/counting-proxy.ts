import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CountingProxy {
  /** http://127.0.0.1:port, to give a client instead of the controller's URL. */
  url: string;
  /** Bytes passed on to the controller so far: at most what it could have read. */
  readonly toServer: number;
  /** Connections made through it. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A loopback TCP relay in front of the controller that counts the bytes it
 * hands on: how much of an upload reached the server before it answered.
 */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const { hostname, port } = new URL(target);
  let toServer = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => {
      if (upstream.destroyed) return; // the server has hung up: nothing more reaches it
      toServer += d.length;
      if (!upstream.write(d)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
    // Half-closes are passed on, and a reset from the server still lets its answer reach the client.
    client.on('end', () => upstream.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => undefined);
    upstream.on('close', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    get toServer() {
      return toServer;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
}
