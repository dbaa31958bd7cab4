import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

/** node:util parseArgs, strict, with errors as UsageError. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function intOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** The controller a client command talks to: --controller, $PURSER_URL, or the local default. */
export function controllerUrl(flag: string | undefined): string {
  return (flag ?? process.env.PURSER_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
}

/** A whole number given as a positional argument: named as the thing it is ("rollout ID"), not as a flag. */
export function wholeNumber(value: string | undefined, what: string, hint = ''): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what} must be a whole number such as 3${value === undefined ? '' : `, not "${value}"`}${hint}`);
  return n;
}
