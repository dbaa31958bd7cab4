import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** Small JSON client for CLI commands talking to a running controller. */
export class ControllerClientError extends Error {
  constructor(
    message: string,
    /** The HTTP status and error code when the controller answered with an error; undefined when it could not be reached. */
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** `alsoOk`: statuses whose JSON body is an answer, not an error (health's 503 names what is not ok). */
export async function getJson<T>(base: string, path: string, init: RequestInit = {}, alsoOk: readonly number[] = []): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new ControllerClientError(`cannot reach the controller at ${base}: ${(e as Error).cause ? String((e as { cause: Error }).cause.message) : (e as Error).message}`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ControllerClientError(`${base}${path} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok && !alsoOk.includes(res.status)) {
    const err = (body as { error?: { code?: string; message?: string } }).error;
    throw new ControllerClientError(`${res.status} ${err?.code ?? ''}: ${err?.message ?? text.slice(0, 200)}`, res.status, err?.code);
  }
  return body as T;
}

/** Tries of an acting POST while the controller cannot be reached, is starting, or is still answering the first try. */
const POST_TRIES = 4;

/** Worth trying again with the same key: nothing answered, the controller is starting, or it is still answering the first try. */
function retriable(e: unknown): boolean {
  if (!(e instanceof ControllerClientError)) return false;
  if (e.status === undefined) return true;
  return e.status === 502 || (e.status === 503 && e.code === 'STARTING') || (e.status === 409 && e.code === 'IN_FLIGHT');
}

/**
 * A POST that acts, with one Idempotency-Key for this invocation, the same on
 * each of its own retries: if an answer is lost (a power cut after the action,
 * a timeout), the retry gets the first result back instead of acting twice.
 * A 503 that is the action's own failure (VLC down) is not retried: it says why.
 */
export async function postAction<T>(base: string, path: string, token: string, body: unknown = {}, key: string = randomUUID()): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await getJson<T>(base, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
        body: JSON.stringify(body),
      });
    } catch (e) {
      if (!retriable(e) || attempt >= POST_TRIES) throw e;
      await sleep(250 * 2 ** attempt);
    }
  }
}
