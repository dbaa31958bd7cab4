// A seat's poll over one raw keep-alive TCP connection: the same bytes a seat
// sends (POST, JSON body, signature header) without node:http's client, whose
// per-request machinery made the bench's seat processes cost more CPU than
// the server they measure (docs/simulator.md, "The load"). Bench-only: it
// speaks just enough HTTP/1.1 for a poll answer with a Content-Length.
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SIGNATURE_HEADER } from '../../protocols/seat-poll/types.js';
import { MAX_ANSWER_BYTES, type PollAnswer } from '../../src/sim/poll-client.js';

const HEAD_END = Buffer.from('\r\n\r\n');

interface Pending {
  resolve(a: PollAnswer): void;
  reject(e: Error): void;
  start: number;
  timer: NodeJS.Timeout;
}

export class RawPollConnection {
  #socket: Socket | undefined;
  #buf: Buffer = Buffer.alloc(0);
  #pending: Pending | undefined;
  #head: string;
  readonly #host: string;
  readonly #port: number;
  readonly #localAddress: string | undefined;

  constructor(url: URL, localAddress?: string) {
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(url.port);
    this.#localAddress = localAddress;
    this.#head = `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n${SIGNATURE_HEADER}: `;
  }

  /** One poll; one at a time per connection, as a seat has one in flight. Rejects with an Error whose `code` names the failure. */
  post(body: string, signature: string, timeoutMs: number): Promise<PollAnswer> {
    if (this.#pending) return Promise.reject(failure('EBUSY', 'a poll is already in flight on this connection'));
    return new Promise((resolve, reject) => {
      const socket = this.#socket ?? this.#open();
      const timer = setTimeout(() => this.#fail(failure('ETIMEDOUT', `no answer in ${timeoutMs} ms`)), timeoutMs);
      this.#pending = { resolve, reject, start: performance.now(), timer };
      socket.write(`${this.#head}${signature}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
  }

  close(): void {
    this.#fail(failure('ECONNRESET', 'closed'));
  }

  #open(): Socket {
    const s = connect({ host: this.#host, port: this.#port, ...(this.#localAddress ? { localAddress: this.#localAddress } : {}), noDelay: true });
    s.on('data', (chunk: Buffer) => this.#data(chunk));
    s.on('error', (e) => this.#fail(e));
    s.on('close', () => {
      if (this.#socket === s) this.#fail(failure('ECONNRESET', 'connection closed mid-answer'));
    });
    this.#socket = s;
    this.#buf = Buffer.alloc(0);
    return s;
  }

  #data(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    if (this.#buf.length > MAX_ANSWER_BYTES) return this.#fail(failure('ETOOBIG', `answer over ${MAX_ANSWER_BYTES} bytes`));
    const end = this.#buf.indexOf(HEAD_END);
    if (end < 0) return;
    const head = this.#buf.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m || !(status >= 100)) return this.#fail(failure('EPROTO', 'answer without a status or Content-Length'));
    const total = end + 4 + Number(m[1]);
    if (this.#buf.length < total) return;
    const body = this.#buf.subarray(end + 4, total).toString('utf8');
    this.#buf = this.#buf.subarray(total);
    const p = this.#pending;
    this.#pending = undefined;
    if (!p) return this.#fail(failure('EPROTO', 'an answer nobody asked for'));
    clearTimeout(p.timer);
    if (/\r\nconnection:\s*close/i.test(head)) this.#drop();
    p.resolve({ status, body, latencyMs: performance.now() - p.start });
  }

  #drop(): void {
    const s = this.#socket;
    this.#socket = undefined;
    s?.destroy();
  }

  #fail(e: Error): void {
    this.#drop();
    const p = this.#pending;
    this.#pending = undefined;
    if (p) {
      clearTimeout(p.timer);
      p.reject(e);
    }
  }
}

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}
