import { spawnReady } from './spawn-ready.js';

const SERVER = new URL('./fastify-hello-server.ts', import.meta.url).pathname;

/** Starts the bare-fastify peer as its own process, run the way the controller is (node + tsx). */
export async function startFastifyHello(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const ready = await spawnReady(process.execPath, ['--import', 'tsx', SERVER], { ready: /listening on (http:\/\/\S+)/ });
  return {
    url: ready.match[1]!,
    pid: ready.pid,
    async stop() {
      await ready.stop();
    },
  };
}
