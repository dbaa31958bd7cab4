import type { Field } from './fields.js';
import type { CommandBody, CommandRequest, FieldError, Validated } from './types.js';
import { COMMAND_NAMES, isCommandName, VOCABULARY } from './vocabulary.js';

/** Seat and zone names as the layout spells them ("12A", "J"). */
export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,16}$/;
const SELECTORS = ['all', 'zones', 'seats'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function keysOutside(obj: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(obj).filter((k) => !allowed.includes(k));
}

export function targetErrors(target: unknown, field = 'target'): FieldError[] {
  const shape = `must be one of {"all": true}, {"zones": [...]}, {"seats": [...]}`;
  if (!isRecord(target)) return [{ field, message: shape }];
  const keys = Object.keys(target);
  if (keys.length !== 1 || !SELECTORS.includes(keys[0] as (typeof SELECTORS)[number])) return [{ field, message: shape }];
  const key = keys[0]!;
  const value = target[key];
  if (key === 'all') return value === true ? [] : [{ field: `${field}.all`, message: 'must be true' }];
  const noun = key === 'zones' ? 'zone' : 'seat';
  if (!Array.isArray(value) || value.length === 0) {
    return [{ field: `${field}.${key}`, message: `must be a non-empty array of ${noun} names` }];
  }
  return value.flatMap((name, i) =>
    typeof name === 'string' && NAME_PATTERN.test(name)
      ? []
      : [{ field: `${field}.${key}[${i}]`, message: `must be a ${noun} name: 1 to 16 characters of A-Z a-z 0-9 _ -` }],
  );
}

function argsErrors(cmd: unknown, args: unknown): FieldError[] {
  if (!isCommandName(cmd)) return [{ field: 'cmd', message: `must be one of ${COMMAND_NAMES.join(', ')}` }];
  if (!isRecord(args)) return [{ field: 'args', message: `must be an object (use {} for ${cmd})` }];
  const spec: Readonly<Record<string, Field<unknown>>> = VOCABULARY[cmd];
  const errors: FieldError[] = keysOutside(args, Object.keys(spec)).map((k) => ({
    field: `args.${k}`,
    message: `is not an argument of ${cmd}`,
  }));
  for (const [name, rule] of Object.entries(spec)) {
    const field = `args.${name}`;
    if (!Object.hasOwn(args, name)) errors.push({ field, message: `is required: ${rule.expect}` });
    else if (!rule.check(args[name])) errors.push({ field, message: `must be ${rule.expect}` });
  }
  return errors;
}

function requestErrors(v: Record<string, unknown>, extraKeys: readonly string[]): FieldError[] {
  const errors: FieldError[] = keysOutside(v, ['target', 'cmd', 'args', ...extraKeys]).map((k) => ({
    field: k,
    message: 'is not a command field',
  }));
  if (!Object.hasOwn(v, 'target')) errors.push({ field: 'target', message: 'is required' });
  else errors.push(...targetErrors(v.target));
  if (!Object.hasOwn(v, 'cmd')) errors.push({ field: 'cmd', message: 'is required' });
  else errors.push(...argsErrors(v.cmd, v.args));
  return errors;
}

function result<T>(value: unknown, errors: FieldError[]): Validated<T> {
  return errors.length === 0 ? { ok: true, value: value as T } : { ok: false, errors };
}

/** Validates `{target, cmd, args}` as the HTTP API receives it. */
export function validateCommandRequest(v: unknown): Validated<CommandRequest> {
  if (!isRecord(v)) return { ok: false, errors: [{ field: '', message: 'must be a JSON object {target, cmd, args}' }] };
  return result(v, requestErrors(v, []));
}

/** Validates a full command body, as seats receive it by multicast or in a poll response. */
export function validateCommandBody(v: unknown): Validated<CommandBody> {
  if (!isRecord(v)) {
    return { ok: false, errors: [{ field: '', message: 'must be a JSON object {seq, at, expiresAt, target, cmd, args}' }] };
  }
  const errors: FieldError[] = [];
  if (!(Number.isSafeInteger(v.seq) && (v.seq as number) >= 1)) {
    errors.push({ field: 'seq', message: 'must be a positive integer' });
  }
  if (!(Number.isSafeInteger(v.at) && (v.at as number) >= 0)) {
    errors.push({ field: 'at', message: 'must be epoch milliseconds (a non-negative integer)' });
  }
  if (!Number.isSafeInteger(v.expiresAt)) {
    errors.push({ field: 'expiresAt', message: 'must be epoch milliseconds (an integer)' });
  } else if (Number.isSafeInteger(v.at) && (v.expiresAt as number) < (v.at as number)) {
    errors.push({ field: 'expiresAt', message: 'must not be before at' });
  }
  errors.push(...requestErrors(v, ['seq', 'at', 'expiresAt']));
  return result(v, errors);
}

/** One line for an HTTP error body or a log: "args.max must be ...; target.seats[2] must be ...". */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join('; ');
}

