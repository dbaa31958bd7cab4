#!/usr/bin/env node
// Builds the crew panel into dist/panel (or the folder given) from src/panel/web.
// The build logic is TypeScript (src/panel/build.ts); tsx runs it from source.
import { register } from 'tsx/esm/api';

register();
const { buildPanel } = await import('../src/panel/build.ts');
const { defaultWebRoot } = await import('../src/panel/paths.ts');
const { outDir, ms } = await buildPanel(process.argv[2] ?? defaultWebRoot());
console.log(`panel built into ${outDir} in ${ms} ms`);
