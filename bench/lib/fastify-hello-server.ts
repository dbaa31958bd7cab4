// A bare fastify server answering seat polls with a fixed, valid answer: the
// floor any poll handler stands on. Run as a child by startFastifyHello().
import Fastify from 'fastify';
import { DEFAULT_DESIRED, POLL_PATH } from '../../protocols/seat-poll/types.js';

const app = Fastify({ logger: false });
app.post(POLL_PATH, async () => ({ serverAt: Date.now(), pollIntervalMs: 1000, desired: DEFAULT_DESIRED, commands: [] }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${url}\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
