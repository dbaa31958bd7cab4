import { request, type Agent } from 'node:http';
import { SIGNATURE_HEADER } from '../../protocols/seat-poll/types.js';

export interface PollAnswer {
  status: number;
  body: string;
  /** From just before the request is made to the end of the response, in ms. */
  latencyMs: number;
}

/** A broken controller must not make a seat buffer without bound. */
export const MAX_ANSWER_BYTES = 1 << 20;

/** One signed poll over a shared keep-alive agent. Rejects with an Error whose `code` names the failure. */
export function postPoll(agent: Agent, url: URL, body: string, signature: string, timeoutMs: number): Promise<PollAnswer> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(
      {
        agent,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          [SIGNATURE_HEADER]: signature,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let ended = false;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(failure('ETOOBIG', `answer over ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          ended = true;
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), latencyMs: performance.now() - start });
        });
        res.on('error', reject);
        res.on('close', () => {
          if (!ended) reject(failure('ECONNRESET', 'connection closed mid-answer'));
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(failure('ETIMEDOUT', `no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
