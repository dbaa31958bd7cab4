// Worker: runs many downloads at once so the server's event loop (the test's main thread) is measured alone.
// It says 'ready' once loaded, so module loading is not counted as server lag.
import { parentPort } from 'node:worker_threads';
import { download, sha256 } from './helpers.js';

type Jobs = { port: number; jobs: Array<{ file: string; options: Record<string, number> }> };

parentPort!.once('message', async ({ port, jobs }: Jobs) => {
  const shas = await Promise.all(jobs.map(async ({ file, options }) => sha256((await download(port, file, { options, timeoutMs: 5000 })).data)));
  parentPort!.postMessage(shas);
});
parentPort!.postMessage('ready');
