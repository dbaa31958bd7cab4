import { CONTENT_STATES, FAULT_SEVERITIES, MEDIA_STATES, UPDATE_STATES } from './types.js';

/**
 * JSON Schema (draft-07, as fastify/ajv use it) of a poll request body. It both
 * validates input and documents the wire format. Unknown properties are
 * removed rather than refused, so newer seat firmware can add fields.
 */
const nonNegInt = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const shortText = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;

const inputReport = {
  type: 'object',
  additionalProperties: false,
  required: ['on', 'sinceMs'],
  properties: { on: { type: 'boolean' }, sinceMs: nonNegInt },
} as const;

export const SEAT_ID_PATTERN = '^[1-9][0-9]{0,2}[A-Z]$';
export const NONCE_PATTERN = '^[A-Za-z0-9_-]{1,64}$';

export const pollRequestSchema = {
  $id: 'seatPollRequest',
  type: 'object',
  additionalProperties: false,
  required: ['seat', 'lru', 'bootId', 'seq', 'ackCmd', 'uptimeMs', 'clockAt', 'media', 'inputs', 'faults', 'update'],
  properties: {
    seat: { type: 'string', pattern: SEAT_ID_PATTERN },
    lru: {
      type: 'object',
      additionalProperties: false,
      required: ['serial', 'model', 'firmware', 'mac'],
      properties: {
        serial: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
        model: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,31}$' },
        firmware: shortText(32),
        mac: { type: 'string', pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$' },
      },
    },
    bootId: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' },
    seq: nonNegInt,
    ackCmd: nonNegInt,
    uptimeMs: nonNegInt,
    clockAt: nonNegInt,
    media: {
      type: 'object',
      additionalProperties: false,
      required: ['state'],
      properties: {
        state: { enum: [...MEDIA_STATES] },
        item: { anyOf: [shortText(128), { type: 'null' }] },
        positionMs: nonNegInt,
        volume: { type: 'integer', minimum: 0, maximum: 10 },
      },
    },
    inputs: {
      type: 'object',
      required: ['call'],
      maxProperties: 16,
      propertyNames: { pattern: '^[a-z][A-Za-z0-9_]{0,31}$' },
      additionalProperties: inputReport,
      properties: { call: inputReport },
    },
    faults: {
      type: 'array',
      maxItems: 32,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'severity', 'sinceMs'],
        properties: {
          code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,47}$' },
          severity: { enum: [...FAULT_SEVERITIES] },
          sinceMs: nonNegInt,
        },
      },
    },
    // Poll v1.1 (optional: v1 seats do not send it). The controller's nonces are 32 hex digits; the pattern leaves room.
    nonce: { type: 'string', pattern: NONCE_PATTERN },
    // Poll v1.2 (optional): content progress (docs/protocol.md, section 6).
    content: {
      type: 'object',
      additionalProperties: false,
      required: ['state'],
      properties: {
        state: { enum: [...CONTENT_STATES] },
        version: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
        target: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
        filesDone: nonNegInt,
        filesTotal: nonNegInt,
        bytesDone: nonNegInt,
        bytesTotal: nonNegInt,
        error: shortText(256),
      },
    },
    update: {
      type: 'object',
      additionalProperties: false,
      required: ['state'],
      properties: {
        state: { enum: [...UPDATE_STATES] },
        version: shortText(32),
        progress: { type: 'number', minimum: 0, maximum: 1 },
        error: shortText(256),
      },
    },
  },
} as const;

/**
 * JSON Schema of a poll answer (PollResponse), used to serialize it (fastify
 * compiles it with fast-json-stringify). It is for speed, not a filter:
 * every object allows additional properties, and a command body is any JSON
 * value, serialized as it is, so nothing the controller puts in an answer is
 * dropped. Nothing is required either: a missing property is left out, as
 * JSON.stringify would.
 */
const openObject = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: true, properties }) as const;
const nullableObject = (properties: Record<string, unknown>) => ({ type: ['object', 'null'], additionalProperties: true, properties }) as const;

export const pollResponseSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    serverAt: { type: 'number' },
    pollIntervalMs: { type: 'number' },
    zone: { type: 'string' },
    desired: openObject({
      paOverride: nullableObject({ source: { type: 'string' }, group: { type: 'string' } }),
      locked: { type: 'boolean' },
      channel: nullableObject({ channel: { type: 'string' }, group: { type: 'string' }, safety: { type: 'boolean' } }),
      message: nullableObject({ text: { type: 'string' }, level: { type: 'string' } }),
      volumeCap: { type: 'number' },
    }),
    commands: { type: 'array', items: {} },
    nonce: { type: 'string' },
  },
} as const;
