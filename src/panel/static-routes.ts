import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ControllerContext } from '../contract/feature.js';
import { sendError } from '../http/errors.js';
import { defaultWebRoot } from './paths.js';

/** Everything the page loads comes from this controller: no fonts, CDNs or inline script. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
} as const;

/** The built page, building it first if it is missing; the reason if it cannot be had. */
async function loadPage(webRoot: string, ctx: ControllerContext): Promise<{ html: string } | { error: string }> {
  const index = join(webRoot, 'index.html');
  if (!existsSync(index)) {
    try {
      const { buildPanel } = await import('./build.js');
      const { ms } = await buildPanel(webRoot);
      ctx.log.info({ webRoot, ms }, 'built the crew panel (it was missing)');
    } catch (e) {
      ctx.log.warn({ webRoot, err: (e as Error).message }, 'the crew panel is not built and could not be built here');
      return { error: `the crew panel is not built (${(e as Error).message}); run: node scripts/build-panel.mjs` };
    }
  }
  return { html: await readFile(index, 'utf8') };
}

/** GET / serves the crew panel; /panel/* its assets. Without a bundle, a clear 503 saying how to build one. */
export function panelStaticRoutes(opts: { webRoot?: string } = {}) {
  return async (app: FastifyInstance, ctx: ControllerContext): Promise<void> => {
    const webRoot = opts.webRoot ?? defaultWebRoot();
    const page = await loadPage(webRoot, ctx);
    const unavailable = (reply: FastifyReply, error: string) => sendError(reply, 503, 'PANEL_NOT_BUILT', error);

    app.get('/', async (_req, reply) => {
      if ('error' in page) return unavailable(reply, page.error);
      return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page.html);
    });
    if ('error' in page) {
      app.get('/panel/*', async (_req, reply) => unavailable(reply, page.error));
      return;
    }
    await app.register(fastifyStatic, {
      root: webRoot,
      prefix: '/panel/',
      index: false,
      decorateReply: false,
      // Names carry no hash: revalidate each load (a 304 on a LAN costs nothing).
      cacheControl: false,
      setHeaders: (res) => {
        res.setHeader('cache-control', 'no-cache');
        res.setHeader('x-content-type-options', 'nosniff');
      },
    });
  };
}
