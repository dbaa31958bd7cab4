import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const RESULTS_DIR = new URL('../results/', import.meta.url).pathname;

/** bench/results/<name>.json: where a bench's figures are kept. */
export const resultsPath = (name: string): string => join(RESULTS_DIR, `${name}.json`);

/**
 * Writes bench/results/<name>.json (or `path`, e.g. a scratch file for a quick
 * run): the figures plus the conditions they were taken under, since a shared
 * machine's load average changes what they mean.
 */
export async function writeResults(name: string, figures: object, path = resultsPath(name)): Promise<string> {
  const target = resolve(path);
  const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavg: loadavg() };
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify({ bench: name, at: new Date().toISOString(), machine, ...figures }, null, 2)}\n`);
  return target;
}
