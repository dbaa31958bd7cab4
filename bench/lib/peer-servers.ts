import { spawnReady } from './spawn-ready.js';

export interface PeerServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts a peer server script as its own process, run the way the controller is (node + tsx). */
async function startPeer(script: string): Promise<PeerServer> {
  const ready = await spawnReady(process.execPath, ['--import', 'tsx', new URL(script, import.meta.url).pathname], { ready: /listening on (http:\/\/\S+)/ });
  return {
    url: ready.match[1]!,
    pid: ready.pid,
    async stop() {
      await ready.stop();
    },
  };
}

/** The bare-fastify peer: a fixed poll answer, nothing else. */
export const startFastifyHello = (): Promise<PeerServer> => startPeer('./fastify-hello-server.ts');

/** The bare node:http peer: the floor under fastify itself. */
export const startNodeHello = (): Promise<PeerServer> => startPeer('./node-hello-server.ts');
