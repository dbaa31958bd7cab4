import { readFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { buildLayout, DEFAULT_LAYOUT, LayoutError, type Layout } from './layout.js';
import { configSchema } from './schema.js';
import type { PurserConfig } from './types.js';

/** A config problem, always naming the key path and the reason. */
export class ConfigError extends Error {
  constructor(readonly keyPath: string, readonly reason: string, readonly file?: string) {
    super(`${file ? `${file}: ` : ''}${keyPath ? `${keyPath}: ` : ''}${reason}`);
  }
}

const ajv = new Ajv({ allErrors: false, useDefaults: true, strict: false });
const validate = ajv.compile(configSchema);

function keyPathOf(err: ErrorObject): string {
  const parts = err.instancePath.split('/').filter(Boolean);
  if (err.keyword === 'additionalProperties') parts.push(String(err.params.additionalProperty));
  if (err.keyword === 'required') parts.push(String(err.params.missingProperty));
  return parts.join('.') || '(top level)';
}

function reasonOf(err: ErrorObject): string {
  if (err.keyword === 'additionalProperties') return 'unknown key';
  if (err.keyword === 'required') return 'is required';
  if (err.keyword === 'enum') return `must be one of ${(err.params.allowedValues as unknown[]).join(', ')}`;
  return err.message ?? 'is invalid';
}

/** Where state goes when no config names it: $PURSER_STATE_DIR, else ~/.local/state/purser, else a temp dir. */
export function defaultStateDir(): string {
  if (process.env.PURSER_STATE_DIR) return resolve(process.env.PURSER_STATE_DIR);
  const home = homedir();
  return home ? join(home, '.local', 'state', 'purser') : join(tmpdir(), 'purser');
}

/** Validates a parsed config object (applying defaults) and builds the layout. */
export function validateConfig(raw: unknown, file?: string): { config: PurserConfig; layout: Layout } {
  const obj = raw ?? {};
  if (typeof obj !== 'object' || Array.isArray(obj)) throw new ConfigError('', 'the config must be a mapping of keys', file);
  const copy = structuredClone(obj) as Record<string, unknown>;
  copy.stateDir ??= defaultStateDir();
  if (!validate(copy)) {
    const err = validate.errors![0]!;
    throw new ConfigError(keyPathOf(err), reasonOf(err), file);
  }
  const config = copy as unknown as PurserConfig;
  config.stateDir = resolve(config.stateDir);
  try {
    return { config, layout: buildLayout(config.cabin.layout ?? DEFAULT_LAYOUT) };
  } catch (e) {
    if (e instanceof LayoutError) throw new ConfigError(e.path, e.message.slice(e.path.length + 2), file);
    throw e;
  }
}

/** Reads YAML (JSON is YAML too) from a file and validates it. */
export async function loadConfigFile(file: string): Promise<{ config: PurserConfig; layout: Layout }> {
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
  return validateConfig(raw, file);
}
