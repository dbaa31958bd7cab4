import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultStateDir } from '../config/load.js';

/** The API bearer token: --token, $PURSER_TOKEN, or the api.token the controller keeps in its state dir. */
export async function resolveToken(flag: string | undefined, stateDir: string | undefined): Promise<string | undefined> {
  if (flag) return flag;
  if (process.env.PURSER_TOKEN) return process.env.PURSER_TOKEN;
  try {
    return (await readFile(join(stateDir ?? defaultStateDir(), 'api.token'), 'utf8')).trim();
  } catch {
    return undefined;
  }
}
