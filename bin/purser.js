#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (npm ci builds it through `prepare`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('purser: not built yet; run `npm run build` (npm ci does it for you)');
  process.exit(1);
}
await import(main.href);
