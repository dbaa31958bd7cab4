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

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    // Every change carries a JSON body: the controller refuses cookie-borne changes without one (CSRF).
    const init: RequestInit = body === undefined ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
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
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  delete: <T>(path: string) => call<T>('DELETE', path),
};
