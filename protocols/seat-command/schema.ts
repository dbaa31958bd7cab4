import type { Field } from './fields.js';
import { NAME_PATTERN } from './validate.js';
import { COMMAND_NAMES, VOCABULARY } from './vocabulary.js';

const names = { type: 'array', minItems: 1, items: { type: 'string', pattern: NAME_PATTERN.source } };

/**
 * JSON Schema of the API request `{target, cmd, args}`, derived from the
 * vocabulary so it cannot drift. It documents the API and lets fastify refuse
 * malformed requests early; `validateCommandRequest` stays the truth and must
 * still run: some rules (multicast ranges) are checked only there, and fastify's
 * defaults strip unknown properties and coerce types instead of refusing them.
 *
 * Written without `oneOf`: under fastify's default `removeAdditional`, Ajv
 * strips properties while trying each branch of a `oneOf`, corrupting valid input.
 */
export const commandRequestSchema = {
  type: 'object',
  required: ['target', 'cmd', 'args'],
  additionalProperties: false,
  properties: {
    target: {
      type: 'object',
      maxProperties: 1,
      additionalProperties: false,
      properties: { all: { const: true }, zones: names, seats: names },
      // Not minProperties: that is checked before removeAdditional empties {"foo": 1}.
      anyOf: [{ required: ['all'] }, { required: ['zones'] }, { required: ['seats'] }],
    },
    cmd: { type: 'string', enum: COMMAND_NAMES },
    args: { type: 'object' },
  },
  allOf: COMMAND_NAMES.map((cmd) => {
    const spec: Readonly<Record<string, Field<unknown>>> = VOCABULARY[cmd];
    return {
      if: { type: 'object', required: ['cmd'], properties: { cmd: { const: cmd } } },
      then: {
        type: 'object',
        properties: {
          args: {
            type: 'object',
            required: Object.keys(spec),
            additionalProperties: false,
            properties: Object.fromEntries(Object.entries(spec).map(([k, f]) => [k, f.schema])),
          },
        },
      },
    };
  }),
} as const;
