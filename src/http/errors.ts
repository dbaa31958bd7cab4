import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { ErrorBody } from '../../protocols/seat-poll/types.js';
import { DomainError, type DomainErrorKind } from '../contract/errors.js';

/** An error with a status and a stable code, answered as {"error": {code, message, field?}}. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** How each kind of domain error is answered over HTTP. */
export const STATUS_OF: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'too-many': 429,
  unavailable: 503,
};

export function sendError(reply: FastifyReply, status: number, code: string, message: string, field?: string): FastifyReply {
  const body: ErrorBody = { error: field ? { code, message, field } : { code, message } };
  return reply.code(status).type('application/json').send(body);
}

/** Fastify's own error codes, mapped to ours so every client sees one shape. */
const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BAD_JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST'],
  FST_ERR_CTP_EMPTY_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
};

/** "/lru/serial" from ajv's instancePath, or the missing property for `required`. */
function fieldOf(err: FastifyError): string | undefined {
  const v = err.validation?.[0];
  if (!v) return undefined;
  const path = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = v.keyword === 'required' ? String((v.params as { missingProperty?: string }).missingProperty ?? '') : '';
  const extra = v.keyword === 'propertyNames' ? String((v.params as { propertyName?: string }).propertyName ?? '') : '';
  return [path, missing || extra].filter(Boolean).join('.') || undefined;
}

export function installErrorHandlers(app: FastifyInstance, onError?: (code: string) => void): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let status: number;
    let code: string;
    let message = err.message;
    let field: string | undefined;
    if (err instanceof ApiError) {
      ({ statusCode: status, code } = err);
      field = err.field;
    } else if ((err as unknown) instanceof DomainError) {
      const d = err as unknown as DomainError;
      status = STATUS_OF[d.kind];
      code = d.code;
      field = d.field;
      if (d.retryAfterS !== undefined) reply.header('retry-after', String(d.retryAfterS));
    } else if (err.validation) {
      status = 400;
      code = 'INVALID_BODY';
      field = fieldOf(err);
      const v = err.validation[0]!;
      message = `${field ?? 'body'} ${v.message ?? 'is invalid'}`;
      if (err.validationContext && err.validationContext !== 'body') code = `INVALID_${err.validationContext.toUpperCase()}`;
    } else if (err.code && FASTIFY_CODES[err.code]) {
      [status, code] = FASTIFY_CODES[err.code]!;
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      status = err.statusCode;
      // Never a framework's internal code (FST_ERR_...): one of ours for the status.
      code = err.code && !/^(FST_|ERR_|HPE_)/.test(err.code) ? err.code : (CODE_OF_STATUS[status] ?? 'BAD_REQUEST');
    } else {
      status = 500;
      code = 'INTERNAL';
      message = 'internal error';
      req.log.error({ err }, 'unhandled error');
    }
    onError?.(code);
    return sendError(reply, status, code, message, field);
  });
  const routes = routeTable(app);
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const allowed = routes.methodsFor(path);
    if (allowed.length > 0 && !allowed.includes(req.method)) {
      onError?.('METHOD_NOT_ALLOWED');
      reply.header('allow', allowed.join(', '));
      return sendError(reply, 405, 'METHOD_NOT_ALLOWED', `${path} answers ${allowed.join(', ')}, not ${req.method}`);
    }
    onError?.('NOT_FOUND');
    return sendError(reply, 404, 'NOT_FOUND', `no route ${req.method} ${path}`);
  });
}

/** Our code for a status when the error carries none we document. */
export const CODE_OF_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  411: 'LENGTH_REQUIRED',
  413: 'BODY_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
};

/**
 * Every route's path as a matcher, collected as routes are added, so a path
 * that exists under other methods is a 405 with `Allow`, not a 404. Fastify
 * answers 404 for both; find-my-way has the lookup but fastify keeps it private.
 */
function routeTable(app: FastifyInstance) {
  const table: { match: RegExp; methods: Set<string> }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    const source = route.url
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\*/g, '.*')))
      .join('/');
    const match = new RegExp(`^${source}$`);
    const entry = table.find((e) => e.match.source === match.source) ?? table[table.push({ match, methods: new Set() }) - 1]!;
    for (const m of methods) entry.methods.add(m);
    if (entry.methods.has('GET')) entry.methods.add('HEAD');
  });
  return {
    methodsFor(path: string): string[] {
      const out = new Set<string>();
      for (const e of table) if (e.match.test(path)) for (const m of e.methods) out.add(m);
      return [...out].sort();
    },
  };
}
