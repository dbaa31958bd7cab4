import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (where package.json is), from src/panel or its compiled copy under dist/. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** Where `scripts/build-panel.mjs` puts the page and the controller serves it from. */
export const defaultWebRoot = (): string => join(packageRoot(), 'dist', 'panel');
export const webSources = (): string => join(packageRoot(), 'src', 'panel', 'web');
