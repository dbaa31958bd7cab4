import type { FieldError, Target, Validated } from '../../../protocols/seat-command/types.js';
import { targetErrors } from '../../../protocols/seat-command/validate.js';
import { isName } from '../../../firmware/manifest.js';
import type { RolloutDefaults } from '../config.js';
import type { RolloutOptions } from './model.js';

/** POST /api/v1/rollouts, validated, with the config's defaults filled in. */
export interface RolloutRequest {
  model: string;
  version: string;
  target: Target;
  options: RolloutOptions;
  /** The technician's word that the aircraft is on the ground; asked only where there is no avionics groundGate. Absent = false. */
  onGround: boolean;
  force: boolean;
}

type Rule = (v: unknown) => string | undefined;

const int = (min: number, max: number): Rule => (v) =>
  Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : `must be an integer from ${min} to ${max}`;
const num = (min: number, max: number, minExclusive = false): Rule => (v) =>
  typeof v === 'number' && Number.isFinite(v) && (minExclusive ? v > min : v >= min) && v <= max
    ? undefined
    : `must be a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'and at most' : 'to'} ${max}`;
const bool: Rule = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const name: Rule = (v) => (typeof v === 'string' && isName(v) ? undefined : 'must be 1-32 of a-z 0-9 . _ -, starting with a letter or digit');

const OPTION_RULES: Record<Exclude<keyof RolloutOptions, 'errorThreshold'>, Rule> = {
  canary: int(0, 1000),
  batchSize: int(1, 5000),
  maxConcurrent: int(1, 5000),
  successThreshold: num(0, 1, true),
  seatTimeoutMs: int(10_000, 86_400_000),
  retries: int(0, 10),
};
const THRESHOLD_RULES = { percent: num(0, 100), seats: int(0, 5000) };
const TOP_LEVEL = ['model', 'version', 'target', 'onGround', 'force', 'errorThreshold', ...Object.keys(OPTION_RULES)];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Strict: an unknown field is refused, not ignored, so a misspelt `batchsize` cannot silently become 50. */
export function parseRolloutRequest(body: unknown, defaults: RolloutDefaults): Validated<RolloutRequest> {
  if (!isRecord(body)) return { ok: false, errors: [{ field: '', message: 'must be a JSON object {model, version, target, onGround, ...}' }] };
  const errors: FieldError[] = [];
  const check = (field: string, value: unknown, rule: Rule) => {
    const message = rule(value);
    if (message) errors.push({ field, message });
  };
  for (const key of Object.keys(body)) if (!TOP_LEVEL.includes(key)) errors.push({ field: key, message: 'is not a rollout field' });
  for (const key of ['model', 'version', 'target']) if (!Object.hasOwn(body, key)) errors.push({ field: key, message: 'is required' });
  if (Object.hasOwn(body, 'model')) check('model', body.model, name);
  if (Object.hasOwn(body, 'version')) check('version', body.version, name);
  if (Object.hasOwn(body, 'target')) errors.push(...targetErrors(body.target));
  if (Object.hasOwn(body, 'onGround')) check('onGround', body.onGround, bool);
  if (Object.hasOwn(body, 'force')) check('force', body.force, bool);
  for (const [key, rule] of Object.entries(OPTION_RULES)) if (Object.hasOwn(body, key)) check(key, body[key], rule);
  const et = body.errorThreshold;
  if (et !== undefined) {
    if (!isRecord(et)) errors.push({ field: 'errorThreshold', message: 'must be an object {percent, seats}' });
    else {
      for (const key of Object.keys(et)) if (!Object.hasOwn(THRESHOLD_RULES, key)) errors.push({ field: `errorThreshold.${key}`, message: 'is not a threshold field' });
      for (const [key, rule] of Object.entries(THRESHOLD_RULES)) if (Object.hasOwn(et, key)) check(`errorThreshold.${key}`, et[key], rule);
    }
  }
  if (errors.length > 0) return { ok: false, errors };

  const pick = <K extends keyof typeof OPTION_RULES>(key: K): RolloutOptions[K] => (Object.hasOwn(body, key) ? body[key] : defaults[key]) as RolloutOptions[K];
  const threshold = (et ?? {}) as Partial<RolloutOptions['errorThreshold']>;
  return {
    ok: true,
    value: {
      model: body.model as string,
      version: body.version as string,
      target: body.target as Target,
      onGround: (body.onGround as boolean | undefined) ?? false,
      force: (body.force as boolean | undefined) ?? false,
      options: {
        canary: pick('canary'),
        batchSize: pick('batchSize'),
        maxConcurrent: pick('maxConcurrent'),
        successThreshold: pick('successThreshold'),
        errorThreshold: { percent: threshold.percent ?? defaults.errorThreshold.percent, seats: threshold.seats ?? defaults.errorThreshold.seats },
        seatTimeoutMs: pick('seatTimeoutMs'),
        retries: pick('retries'),
      },
    },
  };
}
