/** The controller's API from the page: same origin, cookies sent, errors as ApiFailure. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From Retry-After, when the controller asks us to wait. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/**
 * A fresh Idempotency-Key for one user action: 128 random bits as hex.
 * crypto.getRandomValues, not randomUUID, which browsers only offer on HTTPS
 * pages and the cabin panel may be served over plain HTTP.
 */
export function newIdempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function call<T>(method: string, path: string, body?: unknown, extra?: Record<string, string>): Promise<T> {
  let res: Response;
  try {
    // Every change carries a JSON body: the controller refuses cookie-borne changes without one (CSRF).
    const init: RequestInit = body === undefined ? { method } : { method, headers: { 'content-type': 'application/json', ...extra }, body: JSON.stringify(body) };
    res = await fetch(path, { ...init, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiFailure(0, 'UNREACHABLE', 'the controller cannot be reached');
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // An error page from something in between: report the status.
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiFailure(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `the controller answered ${res.status}`, retry > 0 ? retry : undefined);
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  /** A POST that does not act on the cabin (the login); actions go through `act` (use-act.ts: Act.post, Act.command). */
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  /** A POST that acts, with the action's Idempotency-Key: the same key on every retry of that action. */
  act: <T>(path: string, body: unknown, idempotencyKey: string) => call<T>('POST', path, body, { 'idempotency-key': idempotencyKey }),
  delete: <T>(path: string) => call<T>('DELETE', path),
};
