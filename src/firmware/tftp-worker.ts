import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../../core/thread-priority.js';
import { TftpServer } from '../../protocols/tftp/server.js';
import type { FromWorker, TftpThreadOptions, ToWorker } from './tftp-thread.js';

// The worker side of TftpThread: a TftpServer whose paths are resolved, and whose
// events and logs are handled, by the main thread.

// Polls before downloads: a seat repeats a late TFTP block within a second unharmed; a late poll is a cabin that lags.
lowerThisThreadPriority();
const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);
const waiting = new Map<number, (file: string | null) => void>();
let nextId = 1;

// `entry` is the from-source shim's, not an option of the server.
const { entry: _entry, ...options } = workerData as TftpThreadOptions & { entry?: string };
const server = new TftpServer({
  ...options,
  logger: {
    info: (obj, msg) => post({ type: 'log', level: 'info', obj: cloneable(obj), msg }),
    warn: (obj, msg) => post({ type: 'log', level: 'warn', obj: cloneable(obj), msg }),
  },
  resolveFile: (path) =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      post({ type: 'resolve', id, path });
    }),
});
server.events$.subscribe((event) => {
  post({ type: 'event', event });
  // The time spent busy polling is the server's, not a transfer's: reported as it grows, after each transfer.
  if (event.type === 'completed' || event.type === 'failed') post({ type: 'busy-poll', totalMs: server.stats().busyPollMs });
});

port.on('message', (m: ToWorker) => {
  if (m.type === 'resolved') {
    waiting.get(m.id)?.(m.file);
    waiting.delete(m.id);
  } else {
    void server.stop().then(() => post({ type: 'stopped' }));
  }
});

server.start().then(
  ({ port: bound }) => post({ type: 'started', port: bound }),
  (err: NodeJS.ErrnoException) => post({ type: 'failed', message: err.message, ...(err.code ? { code: err.code } : {}) }),
);

/** Log fields as plain data: an Error that failed to cross the thread boundary would take the worker down. */
function cloneable(obj: object): object {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? { name: v.name, message: v.message, code: (v as NodeJS.ErrnoException).code } : v]));
}
