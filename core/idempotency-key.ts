import { createHash } from 'node:crypto';

/*
 * The Idempotency-Key vocabulary every acting route shares (POST /api/v1/commands
 * in its own transaction, the others through src/http/idempotency.ts): one
 * definition of a well-formed key and of "the same request".
 */

/** The header a client sends to make a POST safe to retry (draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer that repeats the first result of a key instead of acting again. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** 1 to 128 visible ASCII characters (no space, no control): what a UUID, ULID or random base64url is. */
const KEY = /^[\x21-\x7e]{1,128}$/;

export function isIdempotencyKey(key: string): boolean {
  return KEY.test(key);
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** What a key is bound to: the request as sent (body and options), hashed. */
export function requestFingerprint(request: unknown, options: object): string {
  return createHash('sha256').update(canonicalJson({ request, options })).digest('hex');
}
