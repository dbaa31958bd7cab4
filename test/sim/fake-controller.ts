import Fastify from 'fastify';
import { deriveLruKey, verifyBody } from '../../protocols/seat-poll/hmac.js';
import {
  DEFAULT_DESIRED,
  MAX_POLL_BODY_BYTES,
  POLL_PATH,
  SIGNATURE_HEADER,
  type PollRequest,
  type PollResponse,
} from '../../protocols/seat-poll/types.js';
import { validatePoll } from './helpers.js';

export interface FakeController {
  url: string;
  /** Polls that passed the signature check and the schema, in arrival order. */
  polls: PollRequest[];
  /** Answers refused, by status. */
  refused: Map<number, number>;
  /** What to answer a valid poll; replace it to steer the seats. */
  answer: (poll: PollRequest) => Partial<PollResponse>;
  /** Resolves with the first poll from now on that matches. */
  next(match?: (poll: PollRequest) => boolean): Promise<PollRequest>;
  close(): Promise<void>;
}

/**
 * The controller's side of the poll, reduced to what the seat protocol demands:
 * a 401 for a bad signature, a 400 for a body off the schema, a 200 otherwise.
 */
export async function startFakeController(secret: Buffer, pollIntervalMs = 20): Promise<FakeController> {
  const app = Fastify();
  const waiters: { match: (p: PollRequest) => boolean; resolve: (p: PollRequest) => void }[] = [];
  const fake: FakeController = {
    url: '',
    polls: [],
    refused: new Map(),
    answer: () => ({}),
    next: (match = () => true) => new Promise((resolve) => waiters.push({ match, resolve })),
    close: () => app.close(),
  };
  const refuse = (status: number, code: string) => {
    fake.refused.set(status, (fake.refused.get(status) ?? 0) + 1);
    return { status, body: { error: { code, message: code } } };
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_POLL_BODY_BYTES }, (_req, body, done) => done(null, body));
  app.post(POLL_PATH, async (req, reply) => {
    const raw = req.body as Buffer;
    let poll: PollRequest;
    try {
      poll = JSON.parse(raw.toString('utf8'));
    } catch {
      const r = refuse(400, 'not-json');
      return reply.code(r.status).send(r.body);
    }
    const signature = req.headers[SIGNATURE_HEADER];
    if (typeof signature !== 'string' || typeof poll?.lru?.serial !== 'string' || !verifyBody(deriveLruKey(secret, poll.lru.serial), raw, signature)) {
      const r = refuse(401, 'bad-signature');
      return reply.code(r.status).send(r.body);
    }
    if (!validatePoll(poll)) {
      const r = refuse(400, JSON.stringify(validatePoll.errors));
      return reply.code(r.status).send(r.body);
    }
    fake.polls.push(poll);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (w.match(poll)) {
        waiters.splice(i, 1);
        w.resolve(poll);
      }
    }
    return { serverAt: Date.now(), pollIntervalMs, desired: { ...DEFAULT_DESIRED }, commands: [], ...fake.answer(poll) };
  });
  fake.url = await app.listen({ host: '127.0.0.1', port: 0 });
  return fake;
}
