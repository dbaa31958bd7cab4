import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

const RESULTS_DIR = new URL('../results/', import.meta.url).pathname;

/**
 * Writes bench/results/<name>.json: the figures plus the conditions they were
 * taken under, since a shared machine's load average changes what they mean.
 */
export async function writeResults(name: string, figures: object): Promise<string> {
  const path = join(RESULTS_DIR, `${name}.json`);
  const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavg: loadavg() };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(path, `${JSON.stringify({ bench: name, at: new Date().toISOString(), machine, ...figures }, null, 2)}\n`);
  return path;
}
