import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTempName } from '../../../core/durable-fs.js';

/** What the checks remember from one cut to the next: the versions `current` switched to, and each one's createdAt. */
export interface LibraryHistory {
  switches: string[];
  createdAt: Map<string, string>;
}

export interface LibraryCheck {
  problems: string[];
  /** Objects whose bytes hash to their name. */
  verified: Set<string>;
  bytes: number;
  /** Temp names (allowed after a cut: the next start removes them). */
  temps: number;
  current: string | null;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * A content library as a power cut left it, checked from the disk alone (the controller is down):
 * every file in objects/ is a temp name or hashes to its name; `current` names a stored version
 * whose every object is there and verifies; `current` never names a version it left before, nor one
 * created before one it named. Updates `history`.
 */
export async function checkLibrary(libDir: string, history: LibraryHistory): Promise<LibraryCheck> {
  const problems: string[] = [];
  const verified = new Set<string>();
  let bytes = 0;
  let temps = 0;
  for (const name of await readdir(join(libDir, 'objects')).catch(() => [] as string[])) {
    if (isTempName(name)) {
      temps++;
      continue;
    }
    if (!/^[0-9a-f]{64}$/.test(name)) {
      problems.push(`content: objects/${name} is neither an object nor a temp file`);
      continue;
    }
    const b = await readFile(join(libDir, 'objects', name));
    const got = sha256(b);
    if (got !== name) problems.push(`content: objects/${name} holds ${b.length} bytes hashing to ${got}`);
    else {
      verified.add(name);
      bytes += b.length;
    }
  }
  const text = await readFile(join(libDir, 'current'), 'utf8').catch(() => undefined);
  let current: string | null = null;
  const last = history.switches.at(-1);
  if (text === undefined) {
    if (last !== undefined) problems.push(`content: current is gone (it named ${last})`);
    return { problems, verified, bytes, temps, current };
  }
  try {
    current = (JSON.parse(text) as { catalogVersion: string }).catalogVersion;
    const version = JSON.parse(await readFile(join(libDir, 'versions', `${current}.json`), 'utf8')) as { createdAt: string; files: { path: string; sha256: string }[] };
    const missing = version.files.filter((f) => !verified.has(f.sha256));
    if (missing.length) problems.push(`content: current ${current} lists ${missing.length} files whose objects are missing or do not verify (${missing[0]!.path})`);
    if (current !== last) {
      const newest = [...history.createdAt.values()].sort().at(-1);
      if (history.createdAt.has(current) || (newest !== undefined && version.createdAt < newest)) problems.push(`content: current switched back to ${current} after ${last}`);
      history.createdAt.set(current, version.createdAt);
      history.switches.push(current);
    }
  } catch (e) {
    problems.push(`content: current or its version cannot be read: ${(e as Error).message}`);
  }
  return { problems, verified, bytes, temps, current };
}
