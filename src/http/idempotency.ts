import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, preHandlerAsyncHookHandler } from 'fastify';
import { IDEMPOTENCY_HEADER, isIdempotencyKey, REPLAYED_HEADER, requestFingerprint } from '../../core/idempotency-key.js';
import type { Logger } from '../core/log.js';
import type { IdempotencyStore } from '../store/idempotency-store.js';
import { ApiError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route acts: an Idempotency-Key makes a retry replay the first answer
     * instead of acting twice (this file). One line opts a route in.
     */
    idempotent?: boolean;
  }
}

interface Claim {
  principal: string;
  key: string;
  id: string;
}

/** What a client is told to wait while the first request with its key is still being answered. */
export const IN_FLIGHT_RETRY_AFTER_S = 1;

export type IdempotencyOutcome = 'replayed' | 'reused' | 'in_flight' | 'in_doubt' | 'stored' | 'released';

export interface IdempotencyOptions {
  log: Logger;
  count?: (outcome: IdempotencyOutcome) => void;
}

/**
 * Answers that are the action's own word and are replayed to a retry: 2xx,
 * and 4xx but those that say "not now" (408, 425, 429). A 5xx (a failure, or
 * 503 STARTING) is not stored, so a retry acts.
 */
export function isStoredStatus(status: number): boolean {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 408 && status !== 425 && status !== 429);
}

/**
 * Adds the Idempotency-Key hooks to every route with `config: { idempotent: true }`,
 * in whichever plugin it is declared. The preHandler runs after the route's
 * own onRequest (who is asking: keys are per principal) and after the body is
 * validated (it is part of the fingerprint). The key is claimed, fsync'd,
 * before the handler acts; the answer is stored, fsync'd, in onSend before it
 * leaves. A pending key this process is not answering was left by a cut (or
 * a failed store): the action may or may not have happened, and only a
 * person looking at the cabin can say, so it is 409 IN_DOUBT, never a guess.
 */
export function installIdempotency(app: FastifyInstance, store: IdempotencyStore, opts: IdempotencyOptions): void {
  const inFlight = new Set<string>();
  const claims = new WeakMap<FastifyRequest, Claim>();
  const count = opts.count ?? (() => undefined);

  const preHandler: preHandlerAsyncHookHandler = async (req, reply) => {
    const raw = req.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined) return;
    if (typeof raw !== 'string' || !isIdempotencyKey(raw)) throw new ApiError(400, 'INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be one header of 1 to 128 visible ASCII characters', 'Idempotency-Key');
    const principal = req.principal?.name ?? 'anonymous';
    const route = `${req.method} ${req.routeOptions.url ?? req.url}`;
    const fingerprint = requestFingerprint({ route, params: req.params ?? null, query: req.query ?? null, body: req.body ?? null }, {});
    const id = `${principal}\n${raw}`;
    const row = store.get(principal, raw);
    if (row) {
      if (row.fingerprint !== fingerprint) {
        count('reused');
        throw new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', `this Idempotency-Key was used for another request (${row.route})`, 'Idempotency-Key');
      }
      if (row.state === 'pending') {
        if (inFlight.has(id)) {
          count('in_flight');
          reply.header('retry-after', String(IN_FLIGHT_RETRY_AFTER_S));
          throw new ApiError(409, 'IN_FLIGHT', `the first request with this Idempotency-Key is still being answered; retry after ${IN_FLIGHT_RETRY_AFTER_S} s`, 'Idempotency-Key');
        }
        count('in_doubt');
        opts.log.warn({ principal, key: raw, route, since: row.createdAt }, 'idempotency: a retry of an action that was cut short; it may or may not have taken effect');
        throw new ApiError(409, 'IN_DOUBT', `${row.route} with this Idempotency-Key was started at ${new Date(row.createdAt).toISOString()} but never answered (the controller restarted or could not record the answer): it may or may not have taken effect. Check the cabin's state before acting again, then act with a new key`, 'Idempotency-Key');
      }
      count('replayed');
      return replay(reply, row.status ?? 200, row.contentType, row.body);
    }
    store.claim(principal, raw, fingerprint, route);
    inFlight.add(id);
    claims.set(req, { principal, key: raw, id });
  };

  const onSend: onSendHookHandler = async (req, reply, payload) => {
    const claim = claims.get(req);
    if (!claim) return payload;
    claims.delete(req);
    try {
      if (isStoredStatus(reply.statusCode)) {
        const type = reply.getHeader('content-type');
        store.complete(claim.principal, claim.key, reply.statusCode, typeof type === 'string' ? type : null, bodyText(payload));
        count('stored');
      } else {
        store.release(claim.principal, claim.key);
        count('released');
      }
    } catch (err) {
      // The action's answer still goes out; the key stays pending and a retry hears IN_DOUBT, not a second action.
      opts.log.error({ err, principal: claim.principal, route: req.routeOptions.url }, 'idempotency: the answer could not be recorded');
    } finally {
      inFlight.delete(claim.id);
    }
    return payload;
  };

  // A reply that never reached onSend (the connection died first): what happened is unknown, so it is in doubt.
  const onResponse = async (req: FastifyRequest) => {
    const claim = claims.get(req);
    if (claim) inFlight.delete(claim.id);
  };

  app.addHook('onRoute', (route) => {
    if (route.config?.idempotent !== true) return;
    route.preHandler = [...asArray(route.preHandler), preHandler] as typeof route.preHandler;
    route.onSend = [...asArray(route.onSend), onSend] as typeof route.onSend;
    route.onResponse = [...asArray(route.onResponse), onResponse] as typeof route.onResponse;
  });
}

function asArray<T>(x: T | T[] | undefined): T[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

function replay(reply: FastifyReply, status: number, contentType: string | null, body: string | null): FastifyReply {
  reply.code(status).header(REPLAYED_HEADER, 'true');
  if (contentType) reply.header('content-type', contentType);
  return reply.send(body ?? '');
}

function bodyText(payload: unknown): string | null {
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return null;
}
