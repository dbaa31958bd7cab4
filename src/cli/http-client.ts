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
