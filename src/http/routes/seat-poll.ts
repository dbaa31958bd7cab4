import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deriveLruKey, verifyBody } from '../../../protocols/seat-poll/hmac.js';
import { pollRequestSchema, pollResponseSchema } from '../../../protocols/seat-poll/schema.js';
import { MAX_POLL_BODY_BYTES, POLL_PATH, SIGNATURE_HEADER, type PollRequest, type PollResponse, type RefusalBody } from '../../../protocols/seat-poll/types.js';
import { idleResponder } from '../../cabin/poll-responder.js';
import type { ControllerContext } from '../../contract/feature.js';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

/** Derived LRU keys, cached: deriving is cheap but every seat polls every second. */
class LruKeyCache {
  readonly #keys = new Map<string, Buffer>();
  constructor(private readonly secret: Buffer, private readonly max = 20_000) {}
  get(serial: string): Buffer {
    let k = this.#keys.get(serial);
    if (!k) {
      if (this.#keys.size >= this.max) this.#keys.clear();
      k = deriveLruKey(this.secret, serial);
      this.#keys.set(serial, k);
    }
    return k;
  }
}

/**
 * POST /seat/v1/poll (SEAT-PROTOCOL §1). Order of checks: size (413), JSON (400),
 * shape (400), signature (401), seat in layout (400). Nothing is stored until all pass.
 */
export async function seatPollRoutes(app: FastifyInstance, ctx: ControllerContext): Promise<void> {
  const keys = new LruKeyCache(ctx.cabinSecret);
  const { registry, layout, config } = ctx;
  const meter = ctx.metrics.pollMeter;
  // Routes are registered after every feature's setup: the command book, when there is one, is there.
  const responder = ctx.find('pollResponder') ?? idleResponder;

  // Seat firmware must send exact types: no coercion of "7" to 7 (the API routes do coerce query strings).
  const strict = new Ajv({ coerceTypes: false, removeAdditional: true, useDefaults: false, allErrors: false, strict: false });
  app.setValidatorCompiler(({ schema }) => strict.compile(schema));

  // Only JSON is a poll (anything else: 415). Keep the raw bytes: the HMAC is over the body exactly as sent.
  app.removeAllContentTypeParsers();
  // JSON is UTF-8 (RFC 8259): bytes that are not are refused, not stored as U+FFFD.
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_POLL_BODY_BYTES }, (req: FastifyRequest, body: Buffer, done) => {
    req.rawBody = body;
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      done(new ApiError(400, 'BAD_JSON', 'body is not valid UTF-8'), undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new ApiError(400, 'BAD_JSON', `body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });

  app.post<{ Body: PollRequest }>(
    POLL_PATH,
    // The response schema only speeds up serializing the answer (fast-json-stringify); it drops nothing.
    { bodyLimit: MAX_POLL_BODY_BYTES, schema: { body: pollRequestSchema, response: { 200: pollResponseSchema } } },
    async (req, reply) => {
      const started = performance.now();
      const poll = req.body;
      const sig = req.headers[SIGNATURE_HEADER];
      if (typeof sig !== 'string' || sig.length === 0) {
        meter.count('unauthorized');
        throw new ApiError(401, 'MISSING_SIGNATURE', `the ${SIGNATURE_HEADER} header is required`, SIGNATURE_HEADER);
      }
      if (!verifyBody(keys.get(poll.lru.serial), req.rawBody!, sig)) {
        meter.count('unauthorized');
        throw new ApiError(401, 'BAD_SIGNATURE', `${SIGNATURE_HEADER} does not match the body for LRU ${poll.lru.serial}`, SIGNATURE_HEADER);
      }
      const seatDef = layout.byId.get(poll.seat);
      if (!seatDef) {
        meter.count('unknown_seat');
        throw new ApiError(400, 'UNKNOWN_SEAT', `seat ${poll.seat} is not in the cabin layout`, 'seat');
      }
      const wall = Date.now();
      const verdict = registry.accept(poll, { mono: started, wall });
      if (!verdict.ok) {
        // Authentic but not applied (docs/protocol.md §1): old, or a seat claim held for a technician.
        // Counted as 'stale' until metrics.ts has outcomes of its own for these (reported to the lead).
        meter.count('stale');
        meter.observe((performance.now() - started) / 1000);
        const refusal: RefusalBody = { error: verdict.field ? { code: verdict.code, message: verdict.message, field: verdict.field } : { code: verdict.code, message: verdict.message } };
        if (verdict.nonce !== undefined) refusal.nonce = verdict.nonce;
        reply.header('cache-control', 'no-store');
        return reply.code(409).type('application/json').send(JSON.stringify(refusal));
      }
      meter.count(verdict.stale ? 'stale' : 'ok');
      const { desired, commands, pollSoonerMs } = responder.respond(seatDef, poll.ackCmd, wall);
      const interval = config.cabin.pollIntervalMs;
      const pollIntervalMs = pollSoonerMs === undefined ? interval : Math.min(pollSoonerMs, interval);
      const body: PollResponse = { serverAt: wall, pollIntervalMs, zone: seatDef.zone, desired, commands, nonce: verdict.nonce };
      reply.header('cache-control', 'no-store');
      meter.observe((performance.now() - started) / 1000);
      return body;
    },
  );
}
