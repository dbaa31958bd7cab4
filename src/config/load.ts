import { readFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ConfigSection, PurserConfig } from '../contract/config.js';
import { FORMATS } from './formats.js';
import { buildLayout, DEFAULT_LAYOUT, LayoutError, type Layout } from './layout.js';
import { coreProperties } from './schema.js';

/** A config problem, always naming the key path and the reason (and the file, when there is one). */
export class ConfigError extends Error {
  constructor(readonly keyPath: string, readonly reason: string, readonly file?: string) {
    super(`${file ? `${file}: ` : ''}${keyPath ? `${keyPath}: ` : ''}${reason}`);
  }
}

/** Every section by its top-level key: the spine's and those the features add. */
export type ConfigSections = Record<string, ConfigSection>;

// verbose: an error carries its schema, whose description says what a pattern expects.
const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false, verbose: true });
for (const [name, f] of Object.entries(FORMATS)) ajv.addFormat(name, { type: 'string', validate: f.test });
const compiled = new WeakMap<ConfigSections, ReturnType<typeof ajv.compile>>();

function validatorFor(sections: ConfigSections): ReturnType<typeof ajv.compile> {
  let v = compiled.get(sections);
  if (!v) {
    const props = { ...coreProperties, ...Object.fromEntries(Object.entries(sections).map(([k, s]) => [k, s.schema])) };
    v = ajv.compile(Type.Object(props, { additionalProperties: false, required: ['stateDir'] }));
    compiled.set(sections, v);
  }
  return v;
}

function keyPathOf(err: ErrorObject): string {
  const parts = err.instancePath.split('/').filter(Boolean);
  if (err.keyword === 'additionalProperties') parts.push(String(err.params.additionalProperty));
  if (err.keyword === 'required') parts.push(String(err.params.missingProperty));
  return parts.join('.') || '(top level)';
}

function reasonOf(err: ErrorObject): string {
  switch (err.keyword) {
    case 'additionalProperties':
      return 'unknown key';
    case 'required':
      return 'is required';
    case 'enum':
      return `must be one of ${(err.params.allowedValues as unknown[]).join(', ')}`;
    case 'format':
      return `must be ${FORMATS[String(err.params.format)]?.expected ?? String(err.params.format)}`;
    case 'pattern': {
      const description = (err.parentSchema as { description?: string } | undefined)?.description;
      return description ? `must be ${description}` : 'is not in the expected form';
    }
    default:
      return err.message ?? 'is invalid';
  }
}

/**
 * Validates a parsed config object (applying defaults), runs each section's
 * own checks and builds the layout: every check happens here, before
 * anything starts. `stateDir` is required; `defaults.stateDir` fills it only
 * where the caller has a reason to (the demo, tests), never for a file.
 */
export function validateConfig(raw: unknown, sections: ConfigSections, opts: { file?: string; stateDir?: string } = {}): { config: PurserConfig; layout: Layout } {
  const { file } = opts;
  const obj = raw ?? {};
  if (typeof obj !== 'object' || Array.isArray(obj)) throw new ConfigError('', 'the config must be a mapping of keys', file);
  const copy = structuredClone(obj) as Record<string, unknown>;
  if (opts.stateDir !== undefined) copy.stateDir ??= opts.stateDir;
  const validate = validatorFor(sections);
  if (!validate(copy)) {
    const err = validate.errors![0]!;
    throw new ConfigError(keyPathOf(err), reasonOf(err), file);
  }
  const config = copy as unknown as PurserConfig;
  config.stateDir = resolve(config.stateDir);
  for (const [key, section] of Object.entries(sections)) {
    const problem = section.check?.((config as unknown as Record<string, unknown>)[key], config)[0];
    if (problem) throw new ConfigError(problem.keyPath, problem.reason, file);
  }
  try {
    return { config, layout: buildLayout(config.cabin.layout ?? DEFAULT_LAYOUT) };
  } catch (e) {
    if (e instanceof LayoutError) throw new ConfigError(e.path, e.message.slice(e.path.length + 2), file);
    throw e;
  }
}

/** Where the demo and the CLI look for state when told nothing: $PURSER_STATE_DIR, else ~/.local/state/purser, else a temp dir. */
export function defaultStateDir(): string {
  if (process.env.PURSER_STATE_DIR) return resolve(process.env.PURSER_STATE_DIR);
  const home = homedir();
  return home ? join(home, '.local', 'state', 'purser') : join(tmpdir(), 'purser');
}

/** Reads YAML (JSON is YAML too) from a file and validates it. */
export async function loadConfigFile(file: string, sections: ConfigSections): Promise<{ config: PurserConfig; layout: Layout }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError('', `cannot read config: ${(e as Error).message}`, file);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true });
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : '';
    throw new ConfigError('', `not valid YAML or JSON${where}: ${(e as Error).message.split('\n')[0]}`, file);
  }
  return validateConfig(raw, sections, { file });
}
