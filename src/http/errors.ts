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
      code = err.code ?? 'BAD_REQUEST';
    } else {
      status = 500;
      code = 'INTERNAL';
      message = 'internal error';
      req.log.error({ err }, 'unhandled error');
    }
    onError?.(code);
    return sendError(reply, status, code, message, field);
  });
  app.setNotFoundHandler((req, reply) => {
    onError?.('NOT_FOUND');
    return sendError(reply, 404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`);
  });
}
