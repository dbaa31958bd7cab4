import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { webSources } from './paths.js';

export interface BuildResult {
  outDir: string;
  ms: number;
}

/**
 * Bundles the panel (Preact + TSX + CSS) into outDir: index.html, app.js,
 * app.css. Builds beside it and swaps the folder in with renames, so a
 * controller serving outDir never sees half a bundle. esbuild is imported only
 * here: an installed controller without it can still run (see static-routes).
 */
export async function buildPanel(outDir: string, opts: { minify?: boolean } = {}): Promise<BuildResult> {
  const started = performance.now();
  const { build } = await import('esbuild');
  const src = webSources();
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = `${outDir}.tmp-${tag}`;
  await mkdir(dirname(outDir), { recursive: true });
  try {
    await build({
      entryPoints: { app: join(src, 'main.tsx') },
      outdir: tmp,
      bundle: true,
      format: 'esm',
      target: ['chrome100', 'firefox100', 'safari15'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      minify: opts.minify ?? true,
      sourcemap: 'linked',
      legalComments: 'none',
      logLevel: 'silent',
    });
    await copyFile(join(src, 'index.html'), join(tmp, 'index.html'));
    const old = `${outDir}.old-${tag}`;
    await rename(outDir, old).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    await rename(tmp, outDir);
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return { outDir, ms: Math.round(performance.now() - started) };
}
